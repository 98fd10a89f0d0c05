"""Site-wide response headers that Django and the libraries in use do not set."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """Tells browsers this site never uses the camera, microphone, location and the like."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
