"""Open311 GeoReport v2 under /open311/v2/: the reporting apps already in use file and follow tips with it.

One service per violation category. The platform takes the place of the location: GeoReport v2 asks for
a position or an address, and a tip is about a web site or an app, so its platform is a required
attribute of every service (`attribute[platform]`, a name or a web address; `address_string` is taken
when the attribute is missing), next to where on it the problem was seen (`attribute[location]`).
A request filed this way is a tip like any other, in the organisation's list, followed the same way.
The key of an organisation member (tipline/api/tokens.py) is the `api_key`.
"""
