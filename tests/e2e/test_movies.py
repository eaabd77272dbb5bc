"""API.md §3 over HTTP: every movie route and error code, with TMDB played by a local fake over real HTTP."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres import tables as t
from lynriescoop.domain.users import Role
from lynriescoop.entrypoints.http.app import create_app
from lynriescoop.entrypoints.seed_movies import seed_movies
from tests.e2e.conftest import SettingsFactory
from tests.factories import make_user
from tests.fakes.tmdb import API_KEY, READ_TOKEN, FakeTmdb
from tests.support import free_port

MOVIE_KEYS = {
    "id",
    "tmdb_id",
    "title",
    "overview",
    "poster_path",
    "backdrop_path",
    "poster_url",
    "release_date",
    "runtime",
    "genres",
    "vote_average",
    "vote_count",
    "director",
    "cast",
    "trailer_url",
    "status",
    "created_at",
    "updated_at",
}
IMAGE_BASE = "https://image.tmdb.org/t/p/w500"

Auth = Callable[[str], dict[str, str]]


@asynccontextmanager
async def running(settings_factory: SettingsFactory, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings_factory(**overrides))
    async with LifespanManager(application, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            http.app = application  # type: ignore[attr-defined]
            yield http


@pytest.fixture
def fake_tmdb() -> Iterator[FakeTmdb]:
    with FakeTmdb() as fake:
        yield fake


@pytest.fixture
async def api(
    clean_db: AsyncEngine, make_settings: SettingsFactory, fake_tmdb: FakeTmdb
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app, configured through settings to reach the fake TMDB with an API key."""
    async with running(make_settings, tmdb_base_url=fake_tmdb.url, tmdb_api_key=API_KEY) as http:
        yield http


def app_of(http: httpx.AsyncClient) -> FastAPI:
    application: FastAPI = http.app  # type: ignore[attr-defined]
    return application


async def authorise(application: FastAPI) -> Auth:
    """A manager and a customer in the database, and their bearer headers."""
    container = application.state.container
    people = {"manager": make_user("boss@example.com", role=Role.MANAGER), "user": make_user("ann@example.com")}
    async with container.uow() as uow:
        for person in people.values():
            await uow.users.add(person)
        await uow.commit()
    tokens = container.token_service()

    def headers(who: str) -> dict[str, str]:
        person = people[who]
        return {"Authorization": f"Bearer {tokens.issue_access(person.id, person.role, datetime.now(UTC)).token}"}

    return headers


@pytest.fixture
async def auth(api: httpx.AsyncClient) -> Auth:
    return await authorise(app_of(api))


async def create(api: httpx.AsyncClient, auth: Auth, **body: Any) -> dict[str, Any]:
    response = await api.post("/movies", json={"title": "Arrival", "runtime": 116, **body}, headers=auth("manager"))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def add_showing(engine: AsyncEngine, movie_id: str, *, starts_in: timedelta, status: str = "scheduled") -> UUID:
    room_id, showing_id = uuid.uuid4(), uuid.uuid4()
    start = datetime.now(UTC) + starts_in
    async with engine.begin() as conn:
        await conn.execute(insert(t.rooms).values(id=room_id, name=f"Room {room_id}"))
        await conn.execute(
            insert(t.showings).values(
                id=showing_id,
                movie_id=UUID(movie_id),
                room_id=room_id,
                start_time=start,
                end_time=start + timedelta(hours=2),
                price=Decimal("10.00"),
                status=status,
            )
        )
    return showing_id


async def add_booking(engine: AsyncEngine, showing_id: UUID) -> None:
    user = make_user(f"{uuid.uuid4().hex[:8]}@example.com")
    async with engine.begin() as conn:
        await conn.execute(insert(t.users).values(id=user.id, email=user.email.value, name="B", password_hash="x"))
        await conn.execute(
            insert(t.bookings).values(
                id=uuid.uuid4(),
                booking_number="ABCDEFGH",
                user_id=user.id,
                showing_id=showing_id,
                status="cancelled",
                total_price=Decimal("10.00"),
                currency="EUR",
            )
        )


async def count(engine: AsyncEngine, table: Any, *where: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one())


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code and body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    return body


# -- reading the catalogue ---------------------------------------------------------------------------------


async def test_a_movie_has_exactly_the_contract_shape(api: httpx.AsyncClient, auth: Auth) -> None:
    created = await create(
        api,
        auth,
        tmdb_id=329865,
        overview="A linguist is asked to talk to visitors.",
        poster_path="/x2FJsf1ElAgr63Y3PNPtJrcmpoe.jpg",
        backdrop_path="/yIZ1xendyqKvY3FGeeUYUd5X9Mm.jpg",
        release_date="2016-11-10",
        genres=["Drama", "Science Fiction"],
        vote_average="7.6",
        vote_count=18000,
        director="Denis Villeneuve",
        cast=["Amy Adams", "Jeremy Renner"],
        trailer_url="https://www.youtube.com/watch?v=tFMo3UJ4B4g",
    )
    fetched = await api.get(f"/movies/{created['id']}")
    assert fetched.status_code == 200
    movie = fetched.json()
    assert set(movie) == MOVIE_KEYS
    assert movie == created
    assert movie["poster_url"] == f"{IMAGE_BASE}/x2FJsf1ElAgr63Y3PNPtJrcmpoe.jpg"
    assert (movie["release_date"], movie["runtime"], movie["vote_average"], movie["status"]) == (
        "2016-11-10",
        116,
        7.6,
        "active",
    )
    created_at = datetime.fromisoformat(movie["created_at"])
    assert created_at.utcoffset() == timedelta(0)


async def test_get_unknown_or_malformed_id(api: httpx.AsyncClient) -> None:
    assert_problem(await api.get(f"/movies/{uuid.uuid4()}"), 404, "movie_not_found")
    body = assert_problem(await api.get("/movies/not-a-uuid"), 422, "validation_error")
    assert body["errors"][0]["loc"] == ["path", "movie_id"]


async def test_list_searches_filters_sorts_and_pages(api: httpx.AsyncClient, auth: Auth) -> None:
    await create(api, auth, title="The Matrix", genres=["Action", "Science Fiction"], release_date="1999-03-31")
    await create(api, auth, title="Matrix Reloaded", genres=["Action"], release_date="2003-05-15")
    await create(api, auth, title="Paddington", genres=["Family", "Comedy"])
    await create(api, auth, title="50% Off", genres=["Comedy"], release_date="2010-01-01")

    everything = (await api.get("/movies")).json()
    assert [m["title"] for m in everything["items"]] == ["50% Off", "Matrix Reloaded", "Paddington", "The Matrix"]
    assert (everything["total"], everything["limit"], everything["offset"]) == (4, 20, 0)

    found = (await api.get("/movies", params={"q": "MATRIX", "sort": "-release_date"})).json()
    assert [m["title"] for m in found["items"]] == ["Matrix Reloaded", "The Matrix"]
    assert [m["title"] for m in (await api.get("/movies", params={"q": "%"})).json()["items"]] == ["50% Off"]

    comedies = (await api.get("/movies", params={"genre": "comedy", "sort": "release_date"})).json()
    assert [m["title"] for m in comedies["items"]] == ["50% Off", "Paddington"]  # no date: last

    page = (await api.get("/movies", params={"limit": 2, "offset": 1})).json()
    assert [m["title"] for m in page["items"]] == ["Matrix Reloaded", "Paddington"]
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 1)


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"sort": "popularity"}, {"q": "x" * 201}]
)
async def test_list_rejects_malformed_queries(api: httpx.AsyncClient, params: dict[str, Any]) -> None:
    assert_problem(await api.get("/movies", params=params), 422, "validation_error")


async def test_now_playing_lists_movies_with_an_upcoming_scheduled_showing(
    api: httpx.AsyncClient, auth: Auth, clean_db: AsyncEngine
) -> None:
    later = await create(api, auth, title="Later")
    sooner = await create(api, auth, title="Sooner")
    cancelled = await create(api, auth, title="Cancelled")
    past = await create(api, auth, title="Past")
    await create(api, auth, title="Nothing")
    await add_showing(clean_db, later["id"], starts_in=timedelta(days=2))
    await add_showing(clean_db, sooner["id"], starts_in=timedelta(hours=3))
    await add_showing(clean_db, cancelled["id"], starts_in=timedelta(days=1), status="cancelled")
    await add_showing(clean_db, past["id"], starts_in=-timedelta(hours=1))

    playing = await api.get("/movies/now-playing")
    assert playing.status_code == 200
    body = playing.json()
    assert [m["title"] for m in body["items"]] == ["Sooner", "Later"]
    assert body["total"] == 2 and set(body["items"][0]) == MOVIE_KEYS
    second = (await api.get("/movies/now-playing", params={"limit": 1, "offset": 1})).json()
    assert [m["title"] for m in second["items"]] == ["Later"]
    assert (second["total"], second["limit"], second["offset"]) == (2, 1, 1)
    assert_problem(await api.get("/movies/now-playing", params={"limit": 0}), 422, "validation_error")


# -- managing the catalogue -----------------------------------------------------------------------------


async def test_create_with_only_the_required_fields(api: httpx.AsyncClient, auth: Auth) -> None:
    movie = await create(api, auth, title="  Stalker  ", runtime=161)
    assert movie["title"] == "Stalker"
    assert movie["genres"] == [] and movie["cast"] == []
    assert movie["tmdb_id"] is None and movie["poster_url"] is None and movie["status"] == "active"
    assert movie["created_at"] == movie["updated_at"]


async def test_an_absolute_poster_path_is_its_own_url(api: httpx.AsyncClient, auth: Auth) -> None:
    movie = await create(api, auth, poster_path="https://cdn.example.org/arrival.jpg")
    assert movie["poster_url"] == "https://cdn.example.org/arrival.jpg"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "No runtime"}, "runtime"),
        ({"runtime": 90}, "title"),
        ({"title": "   ", "runtime": 90}, "title"),
        ({"title": "Zero", "runtime": 0}, "runtime"),
        ({"title": "Long", "runtime": 1001}, "runtime"),
        ({"title": "Votes", "runtime": 90, "vote_average": 10.5}, "vote_average"),
        ({"title": "Votes", "runtime": 90, "vote_count": -1}, "vote_count"),
        ({"title": "Trailer", "runtime": 90, "trailer_url": "not a url"}, "trailer_url"),
        ({"title": "Date", "runtime": 90, "release_date": "31/03/1999"}, "release_date"),
        ({"title": "Status", "runtime": 90, "status": "deleted"}, "status"),
        ({"title": "Sneaky", "runtime": 90, "id": str(uuid.uuid4())}, "id"),
        ({"title": "Sneaky", "runtime": 90, "poster_url": "https://x"}, "poster_url"),
    ],
)
async def test_create_rejects_invalid_bodies(
    api: httpx.AsyncClient, auth: Auth, body: dict[str, Any], field: str
) -> None:
    response = await api.post("/movies", json=body, headers=auth("manager"))
    problem = assert_problem(response, 422, "validation_error")
    assert field in {str(part) for error in problem["errors"] for part in error["loc"]}


async def test_create_refuses_a_taken_tmdb_id(api: httpx.AsyncClient, auth: Auth, clean_db: AsyncEngine) -> None:
    await create(api, auth, tmdb_id=603, title="The Matrix")
    response = await api.post("/movies", json={"title": "Copy", "runtime": 90, "tmdb_id": 603}, headers=auth("manager"))
    assert_problem(response, 409, "tmdb_id_taken")
    assert await count(clean_db, t.movies) == 1


async def test_writes_need_a_manager(api: httpx.AsyncClient, auth: Auth) -> None:
    movie = await create(api, auth)
    calls = [
        ("POST", "/movies", {"title": "x", "runtime": 90}),
        ("PATCH", f"/movies/{movie['id']}", {"title": "x"}),
        ("DELETE", f"/movies/{movie['id']}", None),
        ("GET", "/movies/tmdb/search?query=inception", None),
        ("POST", "/movies/import", {"tmdb_id": 27205}),
    ]
    for method, path, body in calls:
        anonymous = await api.request(method, path, json=body)
        assert_problem(anonymous, 401, "not_authenticated")
        assert anonymous.headers["www-authenticate"] == "Bearer"
        assert_problem(await api.request(method, path, json=body, headers=auth("user")), 403, "forbidden")
        bad_token = {"Authorization": "Bearer not-a-token"}
        assert_problem(await api.request(method, path, json=body, headers=bad_token), 401, "not_authenticated")
    assert (await api.get(f"/movies/{movie['id']}")).json()["title"] == "Arrival"


async def test_patch_changes_only_what_is_sent(api: httpx.AsyncClient, auth: Auth) -> None:
    movie = await create(api, auth, overview="Keep me", director="Someone", genres=["Drama"], poster_path="/a.jpg")
    response = await api.patch(
        f"/movies/{movie['id']}",
        json={"title": "Story of Your Life", "director": None, "poster_path": None, "genres": [], "status": "archived"},
        headers=auth("manager"),
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["title"], changed["director"], changed["poster_url"], changed["genres"]) == (
        "Story of Your Life",
        None,
        None,
        [],
    )
    assert (changed["overview"], changed["runtime"], changed["status"]) == ("Keep me", 116, "archived")
    assert changed["created_at"] == movie["created_at"]
    assert datetime.fromisoformat(changed["updated_at"]) > datetime.fromisoformat(movie["updated_at"])
    assert (await api.get(f"/movies/{movie['id']}")).json() == changed


async def test_patch_errors(api: httpx.AsyncClient, auth: Auth) -> None:
    await create(api, auth, title="Other", tmdb_id=7)
    movie = await create(api, auth)
    manager = auth("manager")
    assert_problem(
        await api.patch(f"/movies/{uuid.uuid4()}", json={"title": "x"}, headers=manager), 404, "movie_not_found"
    )
    assert_problem(
        await api.patch(f"/movies/{movie['id']}", json={"tmdb_id": 7}, headers=manager), 409, "tmdb_id_taken"
    )
    for body in ({"title": None}, {"runtime": None}, {"cast": None}, {"runtime": -5}, {"role": "manager"}):
        assert_problem(await api.patch(f"/movies/{movie['id']}", json=body, headers=manager), 422, "validation_error")
    assert (await api.get(f"/movies/{movie['id']}")).json() == movie


async def test_delete_a_movie_without_showings(api: httpx.AsyncClient, auth: Auth) -> None:
    movie = await create(api, auth)
    deleted = await api.delete(f"/movies/{movie['id']}", headers=auth("manager"))
    assert deleted.status_code == 204 and deleted.content == b""
    assert_problem(await api.get(f"/movies/{movie['id']}"), 404, "movie_not_found")
    assert_problem(await api.delete(f"/movies/{movie['id']}", headers=auth("manager")), 404, "movie_not_found")


async def test_delete_refuses_while_a_showing_is_not_cancelled(
    api: httpx.AsyncClient, auth: Auth, clean_db: AsyncEngine
) -> None:
    movie = await create(api, auth)
    await add_showing(clean_db, movie["id"], starts_in=timedelta(days=1))
    assert_problem(await api.delete(f"/movies/{movie['id']}", headers=auth("manager")), 409, "movie_has_showings")
    assert (await api.get(f"/movies/{movie['id']}")).status_code == 200


async def test_delete_takes_cancelled_showings_along(api: httpx.AsyncClient, auth: Auth, clean_db: AsyncEngine) -> None:
    movie = await create(api, auth)
    await add_showing(clean_db, movie["id"], starts_in=timedelta(days=1), status="cancelled")
    await add_showing(clean_db, movie["id"], starts_in=timedelta(days=2), status="cancelled")
    assert (await api.delete(f"/movies/{movie['id']}", headers=auth("manager"))).status_code == 204
    assert await count(clean_db, t.showings, t.showings.c.movie_id == UUID(movie["id"])) == 0
    assert await count(clean_db, t.movies) == 0


async def test_delete_refuses_when_a_cancelled_showing_has_bookings(
    api: httpx.AsyncClient, auth: Auth, clean_db: AsyncEngine
) -> None:
    movie = await create(api, auth)
    showing_id = await add_showing(clean_db, movie["id"], starts_in=timedelta(days=1), status="cancelled")
    await add_booking(clean_db, showing_id)
    assert_problem(await api.delete(f"/movies/{movie['id']}", headers=auth("manager")), 409, "movie_has_showings")
    assert await count(clean_db, t.showings) == 1 and await count(clean_db, t.movies) == 1


# -- TMDB search and import -----------------------------------------------------------------------------


async def test_tmdb_search_maps_hits_and_marks_imported_ones(api: httpx.AsyncClient, auth: Auth) -> None:
    await create(api, auth, title="Inception", tmdb_id=27205)
    response = await api.get("/movies/tmdb/search", params={"query": "inception", "page": 2}, headers=auth("manager"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["page"], body["total_pages"]) == (2, 3)
    assert [(i["tmdb_id"], i["imported"]) for i in body["items"]] == [(27205, True), (613092, False), (64956, False)]
    assert body["items"][0] == {
        "tmdb_id": 27205,
        "title": "Inception",
        "overview": body["items"][0]["overview"],
        "release_date": "2010-07-15",
        "poster_path": "/9gk7adHYeDvHkCSEqAvQNLV5Uge.jpg",
        "vote_average": 8.37,
        "genres": ["Action", "Science Fiction", "Adventure"],
        "imported": True,
    }
    assert body["items"][1]["release_date"] is None


async def test_tmdb_search_rejects_a_missing_or_blank_query(api: httpx.AsyncClient, auth: Auth) -> None:
    for params in ({}, {"query": ""}, {"query": "   "}, {"query": "x", "page": 0}, {"query": "x", "page": 501}):
        response = await api.get("/movies/tmdb/search", params=params, headers=auth("manager"))
        assert_problem(response, 422, "validation_error")


async def test_import_creates_then_answers_the_existing_movie(
    api: httpx.AsyncClient, auth: Auth, clean_db: AsyncEngine, fake_tmdb: FakeTmdb
) -> None:
    first = await api.post("/movies/import", json={"tmdb_id": 27205}, headers=auth("manager"))
    assert first.status_code == 201, first.text
    movie = first.json()
    assert set(movie) == MOVIE_KEYS
    assert (movie["tmdb_id"], movie["title"], movie["runtime"], movie["release_date"]) == (
        27205,
        "Inception",
        148,
        "2010-07-15",
    )
    assert movie["genres"] == ["Action", "Science Fiction", "Adventure"]
    assert movie["director"] == "Christopher Nolan"
    assert (
        movie["cast"][:3] == ["Leonardo DiCaprio", "Joseph Gordon-Levitt", "Elliot Page"] and len(movie["cast"]) == 10
    )
    assert movie["trailer_url"] == "https://www.youtube.com/watch?v=YoHD9XEInc0"
    assert movie["poster_url"] == f"{IMAGE_BASE}/9gk7adHYeDvHkCSEqAvQNLV5Uge.jpg"
    assert movie["backdrop_path"] == "/8ZTVqvKDQ8emSGUEMjsS4yHAwrp.jpg"
    assert (movie["vote_average"], movie["vote_count"]) == (8.37, 36512)
    assert (await api.get(f"/movies/{movie['id']}")).json() == movie

    again = await api.post("/movies/import", json={"tmdb_id": 27205}, headers=auth("manager"))
    assert again.status_code == 200 and again.json() == movie
    assert await count(clean_db, t.movies) == 1
    assert len(fake_tmdb.calls("/3/movie/27205")) == 1  # the second answer came from the catalogue


async def test_import_errors(api: httpx.AsyncClient, auth: Auth, clean_db: AsyncEngine, fake_tmdb: FakeTmdb) -> None:
    manager = auth("manager")
    assert_problem(
        await api.post("/movies/import", json={"tmdb_id": 424242}, headers=manager), 404, "tmdb_movie_not_found"
    )
    # TMDB knows no runtime for this one: it cannot become a showable movie by import.
    assert_problem(await api.post("/movies/import", json={"tmdb_id": 999001}, headers=manager), 502, "tmdb_error")
    for body in ({}, {"tmdb_id": 0}, {"tmdb_id": "abc"}, {"tmdb_id": 1, "title": "x"}):
        assert_problem(await api.post("/movies/import", json=body, headers=manager), 422, "validation_error")
    assert await count(clean_db, t.movies) == 0


async def test_tmdb_server_errors_are_retried_then_502(api: httpx.AsyncClient, auth: Auth, fake_tmdb: FakeTmdb) -> None:
    fake_tmdb.fail_next("/3/movie/27205", 503, 500, 502)
    response = await api.post("/movies/import", json={"tmdb_id": 27205}, headers=auth("manager"))
    assert_problem(response, 502, "tmdb_error")
    assert len(fake_tmdb.calls("/3/movie/27205")) == 3

    fake_tmdb.fail_next("/3/search/movie", 500)
    recovered = await api.get("/movies/tmdb/search", params={"query": "inception"}, headers=auth("manager"))
    assert recovered.status_code == 200 and len(recovered.json()["items"]) == 3

    fake_tmdb.fail_next("/3/search/movie", 500, 500, 500)
    failed = await api.get("/movies/tmdb/search", params={"query": "inception"}, headers=auth("manager"))
    assert_problem(failed, 502, "tmdb_error")


async def test_without_a_tmdb_key_search_and_import_are_503(client: httpx.AsyncClient, app: FastAPI) -> None:
    auth = await authorise(app)
    search = await client.get("/movies/tmdb/search", params={"query": "inception"}, headers=auth("manager"))
    assert_problem(search, 503, "tmdb_unavailable")
    imported = await client.post("/movies/import", json={"tmdb_id": 27205}, headers=auth("manager"))
    assert_problem(imported, 503, "tmdb_unavailable")


async def test_unreachable_tmdb_is_503(clean_db: AsyncEngine, make_settings: SettingsFactory) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/3"
    async with running(make_settings, tmdb_base_url=nowhere, tmdb_api_key=API_KEY) as http:
        auth = await authorise(app_of(http))
        search = await http.get("/movies/tmdb/search", params={"query": "inception"}, headers=auth("manager"))
        assert_problem(search, 503, "tmdb_unavailable")
        imported = await http.post("/movies/import", json={"tmdb_id": 27205}, headers=auth("manager"))
        assert_problem(imported, 503, "tmdb_unavailable")


async def test_the_read_token_setting_authenticates_with_bearer(
    clean_db: AsyncEngine, make_settings: SettingsFactory, fake_tmdb: FakeTmdb
) -> None:
    async with running(make_settings, tmdb_base_url=fake_tmdb.url, tmdb_read_token=READ_TOKEN) as http:
        auth = await authorise(app_of(http))
        response = await http.post("/movies/import", json={"tmdb_id": 545611}, headers=auth("manager"))
    assert response.status_code == 201, response.text
    assert response.json()["director"] == "Daniel Kwan, Daniel Scheinert"
    (call,) = fake_tmdb.calls("/3/movie/545611")
    assert call.headers["authorization"] == f"Bearer {READ_TOKEN}" and "api_key" not in call.params


async def test_two_concurrent_imports_of_one_movie_make_one_row(
    api: httpx.AsyncClient, auth: Auth, clean_db: AsyncEngine, fake_tmdb: FakeTmdb
) -> None:
    # TMDB answers slowly, so both imports are past their "already imported?" check before either inserts.
    fake_tmdb.slow("/3/movie/27205", 0.3)
    manager = auth("manager")
    first, second = await asyncio.gather(
        api.post("/movies/import", json={"tmdb_id": 27205}, headers=manager),
        api.post("/movies/import", json={"tmdb_id": 27205}, headers=manager),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 201], (first.text, second.text)
    assert first.json() == second.json()
    assert len(fake_tmdb.calls("/3/movie/27205")) == 2  # both really raced past the pre-check
    assert await count(clean_db, t.movies, t.movies.c.tmdb_id == 27205) == 1


async def test_openapi_documents_every_movie_route_and_its_codes(api: httpx.AsyncClient) -> None:
    spec = (await api.get("/openapi.json")).json()
    paths = spec["paths"]
    assert set(paths["/movies"]) == {"get", "post"}
    assert set(paths["/movies/{movie_id}"]) == {"get", "patch", "delete"}
    assert "get" in paths["/movies/now-playing"] and "get" in paths["/movies/tmdb/search"]
    search = paths["/movies/tmdb/search"]["get"]
    assert {"401", "403", "502", "503"} <= set(search["responses"])
    assert "Auth:" in search["description"]
    imported = paths["/movies/import"]["post"]
    assert {"200", "201", "404", "502", "503"} <= set(imported["responses"])
    assert "movie_has_showings" in paths["/movies/{movie_id}"]["delete"]["responses"]["409"]["description"]


# -- seed ---------------------------------------------------------------------------------------------------


async def test_seeding_twice_leaves_eight_movies(api: httpx.AsyncClient, clean_db: AsyncEngine) -> None:
    container = app_of(api).state.container
    lines: list[str] = []
    first = await seed_movies(container, lines)
    second = await seed_movies(container, lines)
    assert [m.id for m in first] == [m.id for m in second] and len(first) == 8
    assert lines == [
        "movies: 8 demo movies in the catalogue (8 new)",
        "movies: 8 demo movies in the catalogue (0 new)",
    ]
    assert await count(clean_db, t.movies) == 8
    listed = (await api.get("/movies", params={"q": "inception"})).json()["items"]
    assert listed[0]["poster_url"] == f"{IMAGE_BASE}/9gk7adHYeDvHkCSEqAvQNLV5Uge.jpg"
    assert listed[0]["tmdb_id"] == 27205 and listed[0]["runtime"] == 148
