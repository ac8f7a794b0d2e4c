"""Help center URLs: /help/<language>/... (en, zh-hans)."""

from django.urls import path

from beacon.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.help_root, name="root"),
    path("deflect/", views.deflect, name="deflect"),
    path("files/<str:token>/", views.attachment, name="attachment"),
    path("<str:language>/", views.home, name="home"),
    path("<str:language>/search/", views.search, name="search"),
    path("<str:language>/suggest/", views.suggest, name="suggest"),
    path(
        "<str:language>/categories/<int:category_id>-<str:slug>/",
        views.category,
        name="category",
    ),
    path(
        "<str:language>/sections/<int:section_id>-<str:slug>/",
        views.section,
        name="section",
    ),
    path(
        "<str:language>/articles/<int:article_id>-<str:slug>",
        views.article,
        name="article",
    ),
    path(
        "<str:language>/articles/<int:article_id>/vote/",
        views.vote,
        name="vote",
    ),
]
