"""`kassa backoffice ...`: run the reference back office and manage its demo data."""

from __future__ import annotations

import json
import socket
import sys
from decimal import Decimal, InvalidOperation

import click
from sqlalchemy.exc import SQLAlchemyError

from agent.cli import UserError
from agent.i18n import _
from common.digits import is_digits
from common.marking import GROUPS as MARKING_GROUPS
from sim.backoffice import catalog, feeds, pairing
from sim.backoffice import documents as received_documents
from sim.backoffice import orders as order_book
from sim.backoffice import seed as demo
from sim.backoffice.catalog import find_product
from sim.backoffice.clock import clock_from_file
from sim.backoffice.database import database_url, open_database

db_option = click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False),
    default=None,
    help=_("SQLite database file (default ./backoffice.db)."),
)
url_option = click.option(
    "--database-url",
    "url",
    default=None,
    envvar="KASSA_BACKOFFICE_DATABASE_URL",
    help=_("SQLAlchemy database URL instead of the SQLite file, e.g. postgresql+psycopg://user@host/db."),
)
clock_option = click.option(
    "--clock-offset-file",
    type=click.Path(dir_okay=False),
    default=None,
    hidden=True,
    help="Test only: add the number of seconds in this file to the clock.",
)


def _cannot_open(exc: Exception) -> UserError:
    first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
    return UserError(_("cannot open the back-office database: {error}").format(error=first_line))


def _engine(db, url):
    try:
        return open_database(database_url(db, url))
    except (SQLAlchemyError, OSError, ImportError) as exc:
        raise _cannot_open(exc) from exc


@click.group(help=_("The reference back office: serve, codes, demo data."))
def backoffice() -> None:
    pass


@backoffice.command(help=_("Serve back-office protocol v1 over HTTP."))
@click.option("--host", default="127.0.0.1", show_default=True, help=_("Address to listen on."))
@click.option("--port", default=8765, show_default=True, type=int, help=_("Port to listen on."))
@db_option
@url_option
@clock_option
def serve(host, port, db, url, clock_offset_file) -> None:
    import uvicorn

    from sim.backoffice.app import create_app

    try:
        app = create_app(database_url(db, url), clock_from_file(clock_offset_file))
    except (SQLAlchemyError, OSError, ImportError) as exc:
        raise _cannot_open(exc) from exc
    try:
        sock = socket.create_server((host, port))
    except OSError as exc:
        message = _("cannot listen on {host}:{port}").format(host=host, port=port)
        raise UserError(f"{message}: {exc.strerror or exc}") from exc
    port = sock.getsockname()[1]
    click.echo(_("back office listening on http://{host}:{port}").format(host=host, port=port), err=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    server.run(sockets=[sock])


@backoffice.command(help=_("Print a new one-time sync code (valid for 10 minutes)."))
@db_option
@url_option
@clock_option
def code(db, url, clock_offset_file) -> None:
    click.echo(pairing.issue_code(_engine(db, url), clock_from_file(clock_offset_file)))


@backoffice.command(help=_("Fill the database with demo data (a Russian shop)."))
@db_option
@url_option
@click.option("--products", default=200, show_default=True, type=click.IntRange(0), help=_("Products."))
@click.option("--employees", default=4, show_default=True, type=click.IntRange(0), help=_("Employees."))
@click.option("--orders", default=0, show_default=True, type=click.IntRange(0), help=_("Marketplace orders."))
@click.option(
    "--seed",
    "seed_value",
    default=demo.DEFAULT_SEED,
    show_default=True,
    type=int,
    help=_("Random seed: the same seed makes the same data."),
)
@click.option("--reset", is_flag=True, help=_("Replace existing demo data (registers then resync fully)."))
@click.option("--organization", default=None, help=_("Organization name."))
@click.option("--inn", default=None, help=_("Organization INN (registers must report the same)."))
@click.option("--store-name", default=None, help=_("Store name."))
@click.option("--store-address", default=None, help=_("Store address."))
def seed(
    db, url, products, employees, orders, seed_value, reset, organization, inn, store_name, store_address
):
    if inn is not None and not (is_digits(inn) and len(inn) in (10, 12)):
        raise UserError(_("the INN must have 10 or 12 digits, not {inn}").format(inn=inn), 2)
    engine = _engine(db, url)
    with engine.begin() as conn:
        if demo.has_demo_data(conn):
            if not reset:
                raise UserError(_("the database already has demo data; add --reset to replace it"))
            demo.reset(conn)
        demo.set_organization(
            conn, name=organization, inn=inn, store_name=store_name, store_address=store_address
        )
        result = demo.seed(conn, products=products, employees=employees, orders=orders, seed=seed_value)
    click.echo(
        _("seeded {groups} groups, {products} products, {employees} employees, {orders} orders").format(
            groups=result.groups,
            products=result.products,
            employees=len(result.employees),
            orders=result.orders,
        ),
        err=True,
    )
    for name, role, pin in result.employees:
        # data for people and scripts alike (kassa demo reads it): the same in every language
        click.echo(f"{name} ({role}): PIN {pin}", err=True)


@backoffice.command(help=_("Print the documents the back office received, as a JSON array."))
@db_option
@url_option
@click.option("--order", metavar="EXTERNAL_ID", help=_("Only the documents settling this order."))
def documents(db, url, order) -> None:
    with _engine(db, url).begin() as conn:
        entries = received_documents.received(conn, order)
    json.dump(entries, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


@backoffice.command(help=_("Forget deleted items; older cursors then answer 410 and registers resync."))
@db_option
@url_option
def compact(db, url) -> None:
    with _engine(db, url).begin() as conn:
        dropped = feeds.compact(conn)
    click.echo(_("dropped {count} tombstones").format(count=dropped), err=True)


@backoffice.group(help=_("Marketplace orders relayed to the register."))
def order() -> None:
    pass


def _order_line(conn, text: str) -> dict:
    code, _sep, quantity = text.partition("x")
    try:
        quantity = Decimal(quantity or "1").quantize(Decimal("0.001"))
    except InvalidOperation as exc:
        raise UserError(_("bad quantity in {line}: use CODE or CODExQTY").format(line=text), 2) from exc
    product = find_product(conn, code)
    if product is None or product.deleted:
        raise UserError(_("no product with code {code}").format(code=code), 2)
    return {"code": product.code, "name": product.name, "quantity": str(quantity), "price": product.price}


@order.command("add", help=_("Add an order to relay; prints its id."))
@db_option
@url_option
@click.option(
    "--line", "lines", multiple=True, required=True, help=_("CODE or CODExQTY; repeat for more lines.")
)
@click.option("--marketplace", default="ozon", show_default=True, help=_("Marketplace name."))
@click.option("--currency", default="RUB", show_default=True, help=_("ISO currency code."))
@click.option("--buyer", default="Сидоров Игорь", show_default=True, help=_("Buyer's name."))
@click.option("--email", default="buyer@example.ru", show_default=True, help=_("Buyer's e-mail."))
@click.option("--phone", default="+79161234567", show_default=True, help=_("Buyer's phone."))
def order_add(db, url, lines, marketplace, currency, buyer, email, phone) -> None:
    with _engine(db, url).begin() as conn:
        order_lines = [_order_line(conn, text) for text in lines]
        order_id = order_book.add_order(
            conn,
            lines=order_lines,
            marketplace=marketplace,
            currency=currency.upper(),
            buyer={"name": buyer, "email": email, "phone": phone},
        )
    click.echo(order_id)


@backoffice.group(help=_("Change products in the catalog (registers get the change on their next sync)."))
def product() -> None:
    pass


@product.command("set", help=_("Create or change a product by its code; prints its id."))
@db_option
@url_option
@click.option("--code", required=True, help=_("Product code (SKU)."))
@click.option("--name", required=True, help=_("Product name."))
@click.option("--price", required=True, type=click.IntRange(0), help=_("Price in kopecks per unit."))
@click.option("--unit", default="pcs", show_default=True, help=_("Unit: pcs, kg, l, ..."))
@click.option(
    "--tax", default="vat20", show_default=True, help=_("Tax rate code: vat20, vat10, vat0, none, ...")
)
@click.option("--group", "group_id", default=None, help=_("Group id, e.g. grp-dairy."))
@click.option("--barcode", "barcodes", multiple=True, help=_("Barcode; repeat for more."))
@click.option("--weighted", is_flag=True, help=_("Sold by weight."))
@click.option(
    "--marked",
    "marking_group",
    type=click.Choice(sorted(MARKING_GROUPS)),
    default=None,
    help=_("Marked goods of this product group (sold with a marking code per unit)."),
)
def product_set(db, url, code, name, price, unit, tax, group_id, barcodes, weighted, marking_group) -> None:
    with _engine(db, url).begin() as conn:
        product_id = catalog.upsert_product(
            conn,
            code=code,
            name=name,
            price=price,
            unit=unit,
            tax=tax,
            group_id=group_id,
            barcodes=barcodes,
            weighted=weighted,
            marking_group=marking_group,
        )
    click.echo(product_id)


@product.command("delete", help=_("Delete a product by its code or id."))
@db_option
@url_option
@click.argument("key")
def product_delete(db, url, key) -> None:
    with _engine(db, url).begin() as conn:
        if not catalog.delete_product(conn, key):
            raise UserError(_("no product with code {code}").format(code=key), 2)


@backoffice.group(help=_("Add and remove employees."))
def employee() -> None:
    pass


@employee.command("add", help=_("Add or change an employee; prints the id."))
@db_option
@url_option
@click.option("--name", required=True, help=_("Full name, as printed on receipts."))
@click.option(
    "--role", type=click.Choice(catalog.ROLES), default="cashier", show_default=True, help=_("Role.")
)
@click.option("--pin", required=True, help=_("PIN the employee logs in with (stored hashed)."))
@click.option("--inn", default=None, help=_("The employee's INN (12 digits)."))
@click.option("--id", "employee_id", default=None, help=_("Id to change an existing employee."))
def employee_add(db, url, name, role, pin, inn, employee_id) -> None:
    if not (is_digits(pin) and 4 <= len(pin) <= 8):
        raise UserError(_("the PIN must be 4 to 8 digits"), 2)
    with _engine(db, url).begin() as conn:
        click.echo(
            catalog.upsert_employee(conn, name=name, role=role, pin=pin, inn=inn, employee_id=employee_id)
        )


@employee.command("delete", help=_("Delete an employee by id."))
@db_option
@url_option
@click.argument("employee_id")
def employee_delete(db, url, employee_id) -> None:
    with _engine(db, url).begin() as conn:
        if not catalog.delete_employee(conn, employee_id):
            raise UserError(_("no employee with id {id}").format(id=employee_id), 2)
