"""The movie catalogue and the TMDB import (API.md §3)."""

from __future__ import annotations

import inspect
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status

from lynriescoop.application.catalogue.movies.create_movie import CreateMovie
from lynriescoop.application.catalogue.movies.delete_movie import DeleteMovie, DeleteMovieCommand
from lynriescoop.application.catalogue.movies.get_movie import GetMovie, GetMovieQuery
from lynriescoop.application.catalogue.movies.import_movie import ImportMovie, ImportMovieCommand
from lynriescoop.application.catalogue.movies.list_movies import ListMovies, ListMoviesQuery
from lynriescoop.application.catalogue.movies.list_now_playing import ListNowPlaying, NowPlayingQuery
from lynriescoop.application.catalogue.movies.search_tmdb import SearchTmdb, SearchTmdbQuery
from lynriescoop.application.catalogue.movies.update_movie import UpdateMovie, UpdateMovieCommand
from lynriescoop.application.ports.repositories import MovieSort
from lynriescoop.entrypoints.container import Container
from lynriescoop.entrypoints.http.dependencies import CurrentManager, container_of, provide, resolve
from lynriescoop.entrypoints.http.openapi_problems import problems
from lynriescoop.entrypoints.http.response_cache import Rendered
from lynriescoop.entrypoints.http.schemas.movies import (
    CreateMovieRequest,
    ImportMovieRequest,
    Movie,
    MoviePage,
    TmdbSearchPage,
    UpdateMovieRequest,
)
from lynriescoop.entrypoints.http.schemas.paging import Limit, Offset

router = APIRouter(prefix="/movies", tags=["movies"])

PUBLIC = "**Auth:** none (public)."
MANAGER = "**Auth:** manager (role and active flag checked in the database)."
MANAGER_ERRORS = ((401, "not_authenticated"), (403, "forbidden"), (422, "validation_error"))
TMDB_ERRORS = ((502, "tmdb_error"), (503, "tmdb_unavailable"))


def _describe(auth: str, use_case: type) -> str:
    return f"{auth}\n\n{inspect.cleandoc(use_case.__doc__ or '')}"


def image_base_url(request: Request) -> str:
    """Where poster paths are served from (``TMDB_IMAGE_BASE_URL``): poster_url is derived at the edge."""
    return container_of(request).settings().tmdb_image_base_url


ImageBase = Annotated[str, Depends(image_base_url)]


CACHED = (
    "\n\nAnswered from the response cache when nothing changed: strong `ETag`, `Cache-Control: no-cache`; "
    "`If-None-Match` with the current ETag gets 304."
)


@router.get(
    "",
    response_model=MoviePage,
    summary="List movies",
    description=_describe(PUBLIC, ListMovies) + CACHED,
    responses=problems((422, "validation_error")),
)
async def list_movies(
    request: Request,
    q: Annotated[str | None, Query(max_length=200, description="case-insensitive substring of the title")] = None,
    genre: Annotated[str | None, Query(max_length=50, description="one genre name, case-insensitive")] = None,
    sort: MovieSort = MovieSort.TITLE,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Response:
    query = ListMoviesQuery(q=q, genre=genre, sort=sort, limit=limit, offset=offset)

    async def build() -> Rendered:
        page = await resolve(request, Container.list_movies)(query)
        return Rendered(MoviePage.of(page, image_base_url(request)).model_dump_json().encode())

    cache = resolve(request, Container.response_cache)
    return await cache.respond(request, ("movies", query), cache.movie_deps, build)


@router.get(
    "/now-playing",
    summary="Movies with an upcoming showing",
    description=_describe(PUBLIC, ListNowPlaying),
    responses=problems((422, "validation_error")),
)
async def now_playing(
    use_case: Annotated[ListNowPlaying, Depends(provide(Container.list_now_playing))],
    images: ImageBase,
    limit: Limit = 20,
    offset: Offset = 0,
) -> MoviePage:
    return MoviePage.of(await use_case(NowPlayingQuery(limit=limit, offset=offset)), images)


# Declared before /{movie_id}, so that "tmdb" is never read as a movie id.
@router.get(
    "/tmdb/search",
    summary="Search TMDB for movies to import",
    description=_describe(MANAGER, SearchTmdb),
    responses=problems(*MANAGER_ERRORS, *TMDB_ERRORS),
)
async def search_tmdb(
    _: CurrentManager,
    use_case: Annotated[SearchTmdb, Depends(provide(Container.search_tmdb))],
    query: Annotated[str, Query(min_length=1, max_length=200, pattern=r"\S", description="title words")],
    page: Annotated[int, Query(ge=1, le=500, description="TMDB result page, 1-based")] = 1,
) -> TmdbSearchPage:
    return TmdbSearchPage.of(await use_case(SearchTmdbQuery(query=query, page=page)))


@router.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    summary="Import a movie from TMDB",
    description=_describe(MANAGER, ImportMovie) + "\n\n201: imported now. 200: it was already in the catalogue.",
    responses={
        200: {"model": Movie, "description": "Already imported: the catalogue's movie."},
        **problems(*MANAGER_ERRORS, (404, "tmdb_movie_not_found"), *TMDB_ERRORS),
    },
)
async def import_movie(
    body: ImportMovieRequest,
    _: CurrentManager,
    use_case: Annotated[ImportMovie, Depends(provide(Container.import_movie))],
    images: ImageBase,
    response: Response,
) -> Movie:
    imported = await use_case(ImportMovieCommand(tmdb_id=body.tmdb_id))
    response.status_code = status.HTTP_201_CREATED if imported.created else status.HTTP_200_OK
    return Movie.of(imported.movie, images)


@router.get(
    "/{movie_id}",
    response_model=Movie,
    summary="One movie",
    description=_describe(PUBLIC, GetMovie) + CACHED,
    responses=problems((404, "movie_not_found"), (422, "validation_error")),
)
async def get_movie(movie_id: UUID, request: Request) -> Response:
    async def build() -> Rendered:
        movie = await resolve(request, Container.get_movie)(GetMovieQuery(movie_id=movie_id))
        return Rendered(Movie.of(movie, image_base_url(request)).model_dump_json().encode())

    cache = resolve(request, Container.response_cache)
    return await cache.respond(request, ("movie", movie_id), cache.movie_deps, build)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a movie by hand",
    description=_describe(MANAGER, CreateMovie),
    responses=problems(*MANAGER_ERRORS, (409, "tmdb_id_taken")),
)
async def create_movie(
    body: CreateMovieRequest,
    _: CurrentManager,
    use_case: Annotated[CreateMovie, Depends(provide(Container.create_movie))],
    images: ImageBase,
) -> Movie:
    return Movie.of(await use_case(body.command()), images)


@router.patch(
    "/{movie_id}",
    summary="Change a movie",
    description=_describe(MANAGER, UpdateMovie),
    responses=problems(*MANAGER_ERRORS, (404, "movie_not_found"), (409, "tmdb_id_taken")),
)
async def update_movie(
    movie_id: UUID,
    body: UpdateMovieRequest,
    _: CurrentManager,
    use_case: Annotated[UpdateMovie, Depends(provide(Container.update_movie))],
    images: ImageBase,
) -> Movie:
    return Movie.of(await use_case(UpdateMovieCommand(movie_id=movie_id, changes=body.changes())), images)


@router.delete(
    "/{movie_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a movie",
    description=_describe(MANAGER, DeleteMovie),
    responses=problems(*MANAGER_ERRORS, (404, "movie_not_found"), (409, "movie_has_showings")),
)
async def delete_movie(
    movie_id: UUID, _: CurrentManager, use_case: Annotated[DeleteMovie, Depends(provide(Container.delete_movie))]
) -> None:
    await use_case(DeleteMovieCommand(movie_id=movie_id))
