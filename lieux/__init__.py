"""Pipeline that turns the published lists of digital-inclusion places into one database."""
