"""Routes ask for use cases by a typed reference to a provider of the container (``provide(Container.x)``), resolved
on the container of the request's app. These checks hold every route to it."""

from __future__ import annotations

import importlib
import pkgutil
import typing
from typing import Any

import pytest
from dependency_injector import providers
from fastapi import FastAPI, Request
from fastapi.params import Depends
from fastapi.routing import APIRoute

from lynriescoop.application.catalogue.movies.get_movie import GetMovie
from lynriescoop.entrypoints.container import Container, build_container
from lynriescoop.entrypoints.http.dependencies import provide
from lynriescoop.settings import Settings


def _routes() -> list[APIRoute]:
    package = importlib.import_module("lynriescoop.entrypoints.http.routers")
    modules = [importlib.import_module(f"{package.__name__}.{m.name}") for m in pkgutil.iter_modules(package.__path__)]
    return [route for module in modules for route in module.router.routes if isinstance(route, APIRoute)]


def _provided_dependencies() -> list[tuple[str, str, type[Any], providers.Provider[Any]]]:
    """(route, parameter, annotated type, provider) for every ``Depends(provide(...))`` parameter of every route."""
    found = []
    for route in _routes():
        hints = typing.get_type_hints(route.endpoint, include_extras=True)
        for name, hint in hints.items():
            if typing.get_origin(hint) is not typing.Annotated:
                continue
            annotated, *metadata = typing.get_args(hint)
            for meta in metadata:
                provider = getattr(getattr(meta, "dependency", None), "provider", None)
                if isinstance(meta, Depends) and provider is not None:
                    found.append((route.path, name, annotated, provider))
    return found


def test_every_provided_use_case_has_the_type_its_route_declares() -> None:
    found = _provided_dependencies()
    # Every use case route but the five cached reads, which resolve their use case only on a cache miss
    # (``resolve(request, Container.x)``); a count far below means the walk above found nothing.
    assert len(found) >= 30
    for path, name, annotated, provider in found:
        assert isinstance(provider, providers.Factory | providers.Singleton), (path, name)
        assert issubclass(provider.cls, annotated), f"{path}: {name} is {annotated}, the provider makes {provider.cls}"


def test_a_provider_that_is_not_the_containers_is_refused() -> None:
    with pytest.raises(LookupError):
        provide(providers.Factory(GetMovie, uow_factory=None))


async def test_each_app_resolves_on_its_own_container() -> None:
    dependency = provide(Container.get_movie)
    first, second = build_container(Settings(_env_file=None)), build_container(Settings(_env_file=None))
    stand_in = object()
    second.get_movie.override(providers.Object(stand_in))
    resolved = []
    for container in (first, second):
        app = FastAPI()
        app.state.container = container
        request = Request({"type": "http", "app": app, "headers": [], "method": "GET", "path": "/"})
        resolved.append(await dependency(request))
    assert isinstance(resolved[0], GetMovie)
    assert resolved[1] is stand_in
