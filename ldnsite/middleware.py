"""Site-wide middleware: the health check's fast path, and headers Django and the libraries do not set."""

from django.conf import settings

from .views import health


class HealthCheckMiddleware:
    """Answers /healthz before anything else runs: no host check (load balancers poll by IP),
    no HTTPS redirect, no session. First in MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz" and request.method in ("GET", "HEAD"):
            return health(request)
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Tells browsers this site never uses the camera, microphone, location and the like."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
