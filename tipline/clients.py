"""Who is asking: the client address that rate limits and flood checks key on."""

import ipaddress

from flask import request


def client_address():
    """The requesting client, as rate limits and flood checks see it.

    Behind a proxy, `create_app` installs ProxyFix (TRUSTED_PROXIES hops), so
    `remote_addr` is already the client's, not the proxy's. An IPv6 client is its
    /64 network: one household or phone gets a whole /64 and could rotate within it.
    """
    address = request.remote_addr or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)
