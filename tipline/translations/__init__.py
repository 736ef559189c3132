"""Message catalogs (zh_Hans, en) and the upkeep of the English one."""
