"""Who is asking: the client address that rate limits and flood checks key on."""

from flask import request


def client_address():
    """The requesting client's address.

    Behind a proxy, `create_app` installs ProxyFix (TRUSTED_PROXIES hops), so
    `remote_addr` is already the client's, not the proxy's.
    """
    return request.remote_addr or "unknown"
