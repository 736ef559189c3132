"""The app's own commands: `flask --app wsgi <command>`."""

import os
import socket
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from tipline.extensions import db

DATA = Path(__file__).resolve().parent / "data"


def register(app):
    """Add the commands to the app's CLI."""
    for command in (
        seed_demo,
        import_platforms_command,
        import_regions_command,
        worker,
        relay_jobs,
        create_user,
        create_organisation,
        create_api_key,
        scan_deadlines,
        export_statements,
        refresh_figures_command,
        train_junk_filter,
        ask_followups,
    ):
        app.cli.add_command(command)


@click.command("import-regions")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_regions_command(path):
    """Load regions (code,name_zh,name_en,parent_code) from a CSV file."""
    from tipline.regions.service import load_regions

    try:
        count = load_regions(Path(path).read_text(encoding="utf-8-sig"))
    except (ValueError, KeyError) as exc:
        # A bad file is refused whole, with the reason, rather than a traceback.
        db.session.rollback()
        raise click.ClickException(f"{path}: nothing loaded: {exc}") from None
    db.session.commit()
    click.echo(f"{count} regions loaded")


@click.command("import-platforms")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_platforms_command(path):
    """Load a filing list from CSV; rows matching an existing name and region update it."""
    from tipline.platforms.importer import ImportFileError, import_platforms

    try:
        report = import_platforms(Path(path).read_bytes())
    except ImportFileError as exc:
        db.session.rollback()
        raise click.ClickException(f"{path}: {exc}") from None
    db.session.commit()
    for line, reason in report.refused:
        click.echo(f"{path}:{line}: refused: {reason}", err=True)
    click.echo(f"{report.created} created, {report.updated} updated, {len(report.refused)} refused")
    if report.refused:
        raise SystemExit(1)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(["intake", "officer", "supervisor", "admin"]))
@click.option("--department", required=True, type=click.Choice(["cyberspace", "education"]))
@click.option("--region", "region_code", required=True, help="six-digit region code, e.g. 110105")
@click.option("--name", default="")
@with_appcontext
def create_user(email, password, role, department, region_code, name):
    """Create a staff account."""
    from cases.accounts.service import AccountError
    from cases.accounts.service import create_user as create

    try:
        user = create(email, password, role, department, region_code, name=name)
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from None
    db.session.commit()
    click.echo(f"created {user.email}: {role}, {department}, region {region_code}")


@click.command("create-organisation")
@click.option("--name", required=True)
@click.option(
    "--type",
    "kind",
    required=True,
    type=click.Choice(["school", "parent_committee", "industry_association", "social_organisation"]),
)
@click.option("--region", "region_code", required=True, help="six-digit region code, e.g. 110108")
@click.option("--email", required=True, help="the organisation's address, and its administrator's sign-in")
@click.option("--password", required=True)
@click.option("--credit-code", default="", help="unified social credit code (18 characters)")
@click.option("--school", "school_name", default="", help="a parent committee without a credit code: its school")
@click.option("--contact", "contact_name", default="", help="the contact person's name")
@click.option("--verified", is_flag=True, help="verified at once, its address taken as confirmed")
@with_appcontext
def create_organisation(name, kind, region_code, email, password, credit_code, school_name, contact_name, verified):
    """Create an organisation and its administrator account."""
    from tipline.organisations.service import OrganisationError
    from tipline.organisations.service import create_organisation as create

    try:
        organisation = create(
            name,
            kind,
            region_code,
            email,
            password,
            credit_code=credit_code,
            school_name=school_name,
            contact_name=contact_name,
            verified=verified,
            code_required=False,  # SPEC 6 names no code: an operator vouches for the organisation
        )
    except OrganisationError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from None
    db.session.commit()
    click.echo(f"created organisation #{organisation.id} {organisation.name}: {kind}, {organisation.status}")


@click.command("create-api-key")
@click.option("--email", required=True, help="a staff account's or an organisation member's sign-in address")
@click.option("--name", default="command line", show_default=True, help="what the key is for, shown on the account")
@click.option("--scope", "scopes", multiple=True, help="what the key may do (repeat); by default all its kind may")
@click.option(
    "--account",
    type=click.Choice(["staff", "member"]),
    default=None,
    help="which account, when a staff account and an organisation member share the address",
)
@with_appcontext
def create_api_key(email, name, scopes, account):
    """Print a new API key for an existing account, once (only its hash is kept).

    The key works as the Bearer token of /api/v1/ and as the api_key of /open311/v2/.
    """
    from cases.accounts.models import StaffUser
    from tipline.api.tokens import TokenError, create_token, scopes_for
    from tipline.organisations.models import OrgMember

    folded = email.strip().lower()
    found = {
        "staff": db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == folded)),
        "member": db.session.scalar(select(OrgMember).where(func.lower(OrgMember.email) == folded)),
    }
    if account is not None:
        found = {account: found[account]}
    owners = [owner for owner in found.values() if owner is not None]
    if not owners:
        raise click.ClickException(f"no {account or 'staff or organisation'} account uses {email}")
    if len(owners) > 1:
        raise click.ClickException(f"both a staff account and an organisation member use {email}: add --account")
    [owner] = owners
    try:
        token, key = create_token(owner, name, list(scopes) or list(scopes_for(owner)), operator=True)
    except TokenError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from None
    db.session.commit()
    click.echo(f'API key #{token.id} "{token.name}" for {email} ({", ".join(token.scopes)}), shown this once:')
    click.echo(key)


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Load demo regions, platforms and tips. Running it again changes nothing.

    Refused in production: the demo staff accounts share a published password.
    """
    from tipline.demo import load_demo
    from tipline.figures.rollup import refresh_figures

    if current_app.config["TIPLINE_ENV"] == "production":
        raise click.ClickException(
            "seed-demo is refused when TIPLINE_ENV=production: its staff accounts share a published password. "
            "Load regions and platforms with import-regions and import-platforms, and make accounts with create-user."
        )
    summary = load_demo(DATA)
    refresh_figures()  # /stats shows the demo at once, before any periodic job has run
    db.session.commit()
    click.echo(
        f"regions: {summary['regions']}, platforms: {summary['platforms']}, "
        f"demo tips: {summary['tips']} ({summary['new_tips']} new)"
    )
    for name, code in summary["receipts"]:
        click.echo(f"  receipt code of the demo tip about {name}: {code}")
    click.echo(f"demo staff accounts (password for all: {summary['staff_password']}):")
    for email, role, department, region in summary["staff"]:
        click.echo(f"  {email:<36} {role:<10} {department:<10} {region}")
    click.echo("demo organisations, verified (same password; they sign in at /org/login):")
    for organisation, members in summary["organisations"]:
        click.echo(f"  {organisation.name} ({organisation.kind}, {organisation.region_code})")
        for email, role in members:
            click.echo(f"    {email:<40} {role}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs that are waiting, then stop.")
@with_appcontext
def worker(burst):
    """Run background jobs: an RQ worker on REDIS_URL, plus the outbox relay."""
    import threading

    from rq import Worker

    from tipline.jobs.outbox import relay, rq_queue
    from tipline.jobs.registry import load_job_modules

    app = current_app._get_current_object()
    # RQ forks a work horse per job: the child must not reuse the parent's database
    # connections (the relay thread keeps using them).
    engine = db.engine
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    if app.config["JOB_MODE"] != "rq":
        raise click.ClickException("set REDIS_URL to run a worker; without it jobs run in the web process")
    queue = rq_queue(app)
    load_job_modules()
    relay(app)
    if not burst:

        def keep_relaying():
            from cases.escalation import scan_deadlines as scan
            from tipline.jobs.schedule import record_due_jobs
            from tipline.privacy import purge_expired
            from tipline.timeutil import utcnow

            while True:
                time.sleep(10)
                try:
                    relay(app)
                    with app.app_context():  # idempotent: every worker may scan
                        scan(utcnow())
                        purge_expired(utcnow())
                        record_due_jobs(utcnow())  # one worker wins each period
                        db.session.commit()
                except Exception as exc:  # keep going through outages
                    app.logger.warning("outbox relay or deadline scan failed: %s", exc)

        threading.Thread(target=keep_relaying, daemon=True, name="outbox-relay").start()
    name = f"{queue.name}.{socket.gethostname()}.{os.getpid()}"
    Worker([queue], connection=queue.connection, name=name).work(burst=burst)


@click.command("scan-deadlines")
@with_appcontext
def scan_deadlines():
    """Escalate overdue cases and ask for rectification reviews (safe to run as often as you like)."""
    from cases.escalation import scan_deadlines as scan
    from tipline.privacy import purge_expired
    from tipline.timeutil import utcnow

    result = scan(utcnow())
    purge_expired(utcnow())  # past days' client keys, stale receipt hand-overs and tracking sessions
    db.session.commit()
    click.echo(
        f"{result['escalated']} case(s) escalated, {result['reviews']} review(s) requested, "
        f"{result['started']} platform(s) with actions starting"
    )


@click.command("refresh-figures")
@with_appcontext
def refresh_figures_command():
    """Rebuild the public figures from the rows now (a worker does it every FIGURES_REFRESH_MINUTES)."""
    from tipline.figures.rollup import refresh_figures

    rows = refresh_figures()
    db.session.commit()
    click.echo(f"figures rebuilt: {rows} rollup rows")


@click.command("train-junk-filter")
@with_appcontext
def train_junk_filter():
    """Train the junk filter from its starter set and every junk-tray decision now (a worker does it every
    JUNK_RETRAIN_MINUTES); nothing new is made when the examples have not changed."""
    from cases.junk_filter.learn import retrain

    model = retrain()
    db.session.commit()
    click.echo(
        f"junk filter version {model.id}: {model.junk_examples} junk and {model.genuine_examples} genuine examples "
        f"({model.starter_examples} from the starter set, {model.decisions} decisions), "
        f"{len(model.weights['features'])} features"
    )


@click.command("ask-followups")
@with_appcontext
def ask_followups():
    """Ask "is it fixed?" of the reporters of the cases now due (a worker does it every FOLLOWUP_SCAN_MINUTES)."""
    from tipline.followup.service import ask_due
    from tipline.timeutil import utcnow

    asked = ask_due(utcnow())
    db.session.commit()
    click.echo(f"{len(asked)} case(s) asked")


@click.command("relay-jobs")
@with_appcontext
def relay_jobs():
    """Hand waiting outbox jobs to the queue (or run them here without Redis)."""
    from tipline.jobs.outbox import relay

    count = relay(current_app._get_current_object())
    click.echo(f"{count} job(s) relayed")


@click.command("export-statements")
@click.option("--since", required=True, type=click.DateTime(["%Y-%m-%d"]), help="first day, YYYY-MM-DD (Beijing)")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="last day, included (default: today)")
@click.option("--public", is_flag=True, help="the public version: no facts relied on, no case, no staff")
@click.option("--format", "file_format", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False, allow_dash=True), help="file, or - for stdout")
@with_appcontext
def export_statements(since, until, public, file_format, out):
    """Write the statements of reasons of the actions approved in a period (docs/statements-of-reasons.md)."""
    from tipline.figures.statements import in_range, statements_between, write_csv, write_jsonl
    from tipline.timeutil import app_today

    since, until = since.date(), until.date() if until else app_today()
    for name, day in (("--since", since), ("--until", until)):
        if not in_range(day):
            raise click.BadParameter("give a date from 2000-01-01 to 2099-12-31", param_hint=name)
    if until < since:
        raise click.BadParameter("the end date is before the start date", param_hint="--until")
    statements = statements_between(since, until, public=public)
    with click.open_file(out, "wb") as file:
        if file_format == "csv":
            count = write_csv(statements, file, public=public)
        else:
            count = write_jsonl(statements, file)
    version = "public" if public else "internal"
    click.echo(f"{count} statement(s) of reasons ({version}, {since} to {until}) written to {out}", err=True)
