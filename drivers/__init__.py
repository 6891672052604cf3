"""Device drivers: the Shtrih-M fiscal register, ESC/POS printers, firmware profiles.

Nothing here knows about the agent: drivers import only the standard library, their
dependencies and each other.
"""
