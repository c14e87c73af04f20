"""The web app's routers: public pages, voter pages, officer pages, the JSON API."""

__all__: list[str] = []
