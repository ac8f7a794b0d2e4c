"""Staff pages of the help center: authoring, versions, analytics, the reply-box suggestions."""

from django.urls import path

from beacon.knowledge import console_views as views

app_name = "kb-console"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.article_new, name="new"),
    path("preview/", views.preview, name="preview"),
    path("suggest/", views.suggest, name="suggest"),
    path("analytics/", views.analytics_page, name="analytics"),
    path(
        "articles/<int:article_id>/settings/", views.article_settings, name="settings"
    ),
    path("articles/<int:article_id>/files/", views.attachment_upload, name="upload"),
    path("articles/<int:article_id>/<str:language>/", views.edit, name="edit"),
    path(
        "articles/<int:article_id>/<str:language>/publish/",
        views.publish,
        name="publish",
    ),
    path(
        "articles/<int:article_id>/<str:language>/unpublish/",
        views.unpublish,
        name="unpublish",
    ),
    path(
        "articles/<int:article_id>/<str:language>/rollback/",
        views.rollback,
        name="rollback",
    ),
    path("articles/<int:article_id>/<str:language>/diff/", views.diff, name="diff"),
]
