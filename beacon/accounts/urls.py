from django.urls import path

from beacon.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/link/", views.login_link_request, name="login-link"),
    path("login/link/<str:secret>/", views.magic_login, name="magic-login"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.set_language, name="language"),
]
