"""One screen per job of the cashier: login, sale, receipts, shift, orders, connection, devices."""
