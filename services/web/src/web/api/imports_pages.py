"""Danmarks Statistik's and the admins' pages: uploads with a dry run first,
progress, reports, history; admins' users.

Every file is checked by a dry run before it can change anything: the dry
run's page shows what the file would add, change and close (per
municipality) or which figures it changes, and every problem. A file that
passes can then be run as it is: its bytes wait in the upload store (Redis,
30 minutes, bound to the account that uploaded them), so the file run is
the file checked. Ingest decides; these pages ask and show.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import datetime
from typing import Any, Final

from flask import abort, jsonify, redirect, request, session
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from dagtilbud_contracts.municipalities import MUNICIPALITIES
from web.api.account import render_page
from web.api.i18n import number, page_url
from web.api.routing import behind_login
from web.api.session import account, in_english, login_url, no_store, requires_login
from web.bootstrap import context
from web.domain.import_report import ImportReport, pages_changed, progress_of, read_report
from web.service_layer.accounts_gateway import (
    AccountNotAllowed,
    AccountRefused,
    AuthUnavailable,
    OneTimeSecrets,
    SessionEnded,
)
from web.service_layer.gateway import SearchUnavailable
from web.service_layer.imports_gateway import (
    FINISHED,
    Document,
    ImportNotAllowed,
    ImportNotFound,
    ImportRefused,
    ImportsUnavailable,
)
from web.service_layer.uploads import UploadStore, UploadTooLarge

log = logging.getLogger(__name__)

HISTORY_PAGE_SIZE: Final = 20
# How long an upload's request waits for its dry run before showing the
# dry run's own page (which follows it on): small files are done by then.
DRY_RUN_WAIT_S: Final = 8.0
DRY_RUN_POLL_S: Final = 0.25
# Where the app keeps its upload store (made on first use).
FILENAME_MAX: Final = 255
USERNAME_MAX, DISPLAY_NAME_MAX = 100, 200
AUDIT_SHOWN: Final = 20
# The roles the users page creates.
USER_ROLES: Final = ("municipality", "dst")

# What a file is, when its columns do not say it (ingest's kind hints, in words).
KIND_CHOICES: Final = {
    "register": _l("Dagtilbudsregister"),
    "stil_register": _l("Dagtilbudsregisteret fra STIL"),
    "portal_register": _l("Dagtilbudsregister i portalens eget format"),
    "statistics": _l("Statistik pr. kommune og år"),
    "portal_statistics": _l("Statistik i portalens eget format"),
    "BOERN1": _l("Danmarks Statistik BOERN1: pædagogisk personale efter uddannelse"),
    "BOERN2": _l("Danmarks Statistik BOERN2: børn indskrevet i dagtilbud"),
    "BOERN3": _l("Danmarks Statistik BOERN3: normering, opgjort til og med 2022"),
    "BOERN8": _l("Danmarks Statistik BOERN8: normering, opgjort fra 2023"),
    "FOLK1E": _l("Danmarks Statistik FOLK1E: befolkningen efter herkomst"),
}
# What ingest recognised a file as (``format``), and what kind of data it is.
FORMATS: Final = {
    "stil_register": _l("Dagtilbudsregisteret fra STIL"),
    "portal_register": _l("Dagtilbudsregister (portalens format)"),
    "portal_statistics": _l("Statistik (portalens format)"),
    "dst_boern1": _l("Danmarks Statistik BOERN1"),
    "dst_boern2": _l("Danmarks Statistik BOERN2"),
    "dst_boern3": _l("Danmarks Statistik BOERN3"),
    "dst_boern8": _l("Danmarks Statistik BOERN8"),
    "dst_folk1e": _l("Danmarks Statistik FOLK1E"),
}
DATASET_KINDS: Final = {"register": _l("Register"), "statistics": _l("Statistik")}
STATUSES: Final = {
    "queued": _l("Venter"),
    "running": _l("Læses"),
    "accepted": _l("Indlæst"),
    "rejected": _l("Afvist"),
    "duplicate": _l("Allerede indlæst"),
    "failed": _l("Mislykkedes"),
}
# A dry run that ended well changed nothing: it is "checked", not "imported".
DRY_RUN_ACCEPTED: Final = _l("Kontrolleret")
AUDIT_ACTIONS: Final = {
    "login_succeeded": _l("Logget ind"),
    "login_failed": _l("Mislykket login"),
    "login_throttled": _l("Login spærret midlertidigt"),
    "credentials_issued": _l("Adgangsbrev udstedt"),
    "password_changed": _l("Adgangskode skiftet"),
    "role_changed": _l("Rolle ændret"),
    "account_created": _l("Bruger oprettet"),
    "account_disabled": _l("Bruger spærret"),
    "refresh_reused": _l("Gammel login-nøgle genbrugt; alle logins afsluttet"),
    "logged_out": _l("Logget ud"),
}
USER_ROLE_LABELS: Final = {
    "municipality": _l("Kommunebruger"),
    "dst": _l("Bruger hos Danmarks Statistik"),
}


# --- helpers ------------------------------------------------------------------------------


def upload_store() -> UploadStore:
    return context().uploads


def _language() -> str:
    return "en" if in_english() else "da"


def _in_language(da: str, en: str) -> str:
    return (en or da) if in_english() else (da or en)


def status_label(run: Document) -> str:
    status = str(run.get("status") or "")
    if status == "accepted" and run.get("dry_run"):
        return str(DRY_RUN_ACCEPTED)
    label = STATUSES.get(status)
    return str(label) if label is not None else status


def kind_label(run: Document) -> str:
    fmt = run.get("format")
    if isinstance(fmt, str) and fmt in FORMATS:
        return str(FORMATS[fmt])
    kind = run.get("kind")
    if isinstance(kind, str) and kind in DATASET_KINDS:
        return str(DATASET_KINDS[kind])
    return "–"


def when(value: Any) -> str:
    """An ISO time from ingest or auth, as the page's language writes it."""
    if not isinstance(value, str) or not value:
        return "–"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return str(format_datetime(moment, "d. MMM y HH:mm"))


def megabytes(limit_bytes: int) -> str:
    return number(limit_bytes / (1024 * 1024), 0 if limit_bytes % (1024 * 1024) == 0 else 1)


def _filename(raw: str) -> str:
    """The name the file had on the user's machine, without its folders."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[:FILENAME_MAX] or "upload"


def _not_allowed(refused: ImportNotAllowed) -> Response:
    if refused.must_log_in:
        session.clear()
        return redirect(login_url(next_path=page_url("imports")))
    abort(403)


def _history(page: int) -> Document | None:
    try:
        return context().imports.list_imports(account().access_token, page, HISTORY_PAGE_SIZE)
    except ImportsUnavailable:
        return None


def _upload_page(
    status: int,
    kind: str = "",
    errors: dict[str, list[str]] | None = None,
    notice: str | None = None,
    history: Document | None = None,
) -> Response:
    if history is None and status != 200:
        history = _history(1)
    return render_page(
        "pages/imports/index.html",
        status,
        kind=kind,
        errors=errors or {},
        notice=notice,
        history=history,
        kinds=KIND_CHOICES,
        limit_mb=megabytes(upload_store().max_bytes),
        status_label=status_label,
        kind_label=kind_label,
        when=when,
    )


# --- the upload form and the history --------------------------------------------------


@behind_login("/selvbetjening/indlaesninger", "imports")
@requires_login("dst", "admin")
def imports() -> Response:
    try:
        page = max(1, min(int(request.args.get("side", "1")), 1_000_000))
    except ValueError:
        page = 1
    try:
        history = context().imports.list_imports(account().access_token, page, HISTORY_PAGE_SIZE)
    except ImportNotAllowed as refused:
        return _not_allowed(refused)
    return _upload_page(200, history=history)


# --- the dry run ------------------------------------------------------------------------


@behind_login(
    "/selvbetjening/indlaesninger/proevekoersel", "import_dry_run", methods=("GET", "POST")
)
@requires_login("dst", "admin")
def import_dry_run() -> Response:
    """Every upload is a dry run first; nothing is changed here."""
    if request.method == "GET":
        # A bookmark or a reload after the answer: the form is where to start.
        return redirect(page_url("imports"))
    store = upload_store()
    kind = request.form.get("kind", "").strip()
    errors: dict[str, list[str]] = {}
    if kind and kind not in KIND_CHOICES:
        errors["kind"] = [_("Vælg en af filtyperne på listen.")]
        kind = ""
    upload = request.files.get("file")
    content = b""
    if upload is None or not upload.filename:
        errors["file"] = [_("Vælg den fil, der skal indlæses.")]
    else:
        try:
            content = upload.stream.read(store.max_bytes + 1)
        finally:
            upload.close()
        if len(content) > store.max_bytes:
            errors["file"] = [_too_large(store.max_bytes)]
        elif not content:
            errors["file"] = [_("Filen er tom. Vælg filen med indholdet.")]
    if errors or upload is None:
        return _upload_page(400, kind, errors)
    filename = _filename(upload.filename or "")
    current = account()
    ctx = context()
    try:
        queued = ctx.imports.upload(
            current.access_token,
            filename,
            content,
            kind or None,
            dry_run=True,
            confirm_closures=None,
        )
    except ImportRefused as refused:
        return _upload_page(_refusal_status(refused), kind, _refusal_errors(refused))
    except ImportsUnavailable:
        return _unavailable(_upload_page(503, kind, notice="unavailable"))
    except ImportNotAllowed as not_allowed:
        return _not_allowed(not_allowed)
    try:
        token = store.put(current.account_id, filename, kind or None, content)
    except UploadTooLarge as too_large:  # a store smaller than the form's limit
        return _upload_page(413, kind, {"file": [_too_large(too_large.limit_bytes)]})
    run = _wait_for(queued)
    if str(run.get("status")) in FINISHED:
        return _detail_page(run, token)
    response = redirect(page_url("import_detail", import_id=run["id"], fil=token), 303)
    return no_store(response)


def _unavailable(response: Response) -> Response:
    response.headers["Retry-After"] = "30"
    return response


def _too_large(limit_bytes: int) -> str:
    return str(
        _(
            "Filen er større end %(mb)s MB, som er det største, der kan indlæses.",
            mb=megabytes(limit_bytes),
        )
    )


def _refusal_status(refused: ImportRefused) -> int:
    return refused.status if refused.status in (413, 422) else 400


def _refusal_errors(refused: ImportRefused) -> dict[str, list[str]]:
    if refused.status == 413 and refused.limit_bytes:
        return {"file": [_too_large(refused.limit_bytes)]}
    message = _in_language(refused.message_da, refused.message_en)
    fields = refused.errors.get("multipart") if isinstance(refused.errors, dict) else None
    if isinstance(fields, dict) and "kind" in fields:
        return {"kind": [message]}
    if isinstance(fields, dict) and "confirm_closures" in fields:
        return {"confirm_closures": [message]}
    return {"file": [message]}


def _wait_for(queued: Document) -> Document:
    """The dry run, followed until it ends or the wait is over."""
    token = account().access_token
    imports_ = context().imports
    run = queued
    deadline = time.monotonic() + DRY_RUN_WAIT_S
    while str(run.get("status")) not in FINISHED:
        try:
            run = imports_.get_import(token, str(queued["id"]))
        except (ImportsUnavailable, ImportNotFound, ImportNotAllowed):
            # Its own page follows it on (and says so if ingest is away).
            return queued
        if str(run.get("status")) in FINISHED or time.monotonic() >= deadline:
            break
        time.sleep(DRY_RUN_POLL_S)
    return run


# --- running the checked file -----------------------------------------------------------


@behind_login("/selvbetjening/indlaesninger/koer", "import_run", methods=("POST",))
@requires_login("dst", "admin")
def import_run() -> Response:
    current = account()
    ctx = context()
    store = upload_store()
    token = request.form.get("fil", "")
    stored = store.take(current.account_id, token)
    if stored is None:
        # Expired, another account's, or never there: nothing runs.
        abort(404)
    dry_run_id = request.form.get("proevekoersel", "")
    typed = request.form.get("confirm_closures", "").strip()
    try:
        dry_run = ctx.imports.get_import(current.access_token, dry_run_id)
    except ImportNotFound:
        abort(404)
    except ImportsUnavailable:
        # Nothing can run now; the file and the typed number wait for a retry.
        away = {
            "id": dry_run_id,
            "status": "accepted",
            "dry_run": True,
            "filename": stored.filename,
        }
        return _unavailable(
            _detail_page(away, token, typed=typed, notice="unavailable", status=503)
        )
    except ImportNotAllowed as not_allowed:
        return _not_allowed(not_allowed)
    report = read_report(dry_run.get("report"))
    if (
        not dry_run.get("dry_run")
        or dry_run.get("content_sha256") not in (None, _sha256(stored.content))
        or report is None
        or not report.runnable
    ):
        abort(404)
    confirm: int | None = None
    errors: dict[str, list[str]] = {}
    if typed:
        if typed.isdigit() and len(typed) <= 7:
            confirm = int(typed)
        else:
            errors["confirm_closures"] = [_("Skriv antallet som et helt tal, fx 12.")]
    elif report.needs_confirmation:
        errors["confirm_closures"] = [
            _("Skriv antallet af institutioner, der lukkes, for at bekræfte lukningerne.")
        ]
    if errors:
        return _detail_page(dry_run, token, errors=errors, typed=typed, status=400)
    try:
        queued = ctx.imports.upload(
            current.access_token,
            stored.filename,
            stored.content,
            stored.kind,
            dry_run=False,
            confirm_closures=confirm,
        )
    except ImportRefused as refused:
        return _detail_page(
            dry_run,
            token,
            errors=_refusal_errors(refused),
            typed=typed,
            status=_refusal_status(refused),
        )
    except ImportsUnavailable:
        return _unavailable(
            _detail_page(dry_run, token, typed=typed, notice="unavailable", status=503)
        )
    except ImportNotAllowed as not_allowed:
        return _not_allowed(not_allowed)
    # Run once: the same bytes again would only be a duplicate.
    store.drop(current.account_id, token)
    return no_store(redirect(page_url("import_detail", import_id=queued["id"]), 303))


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- one import -----------------------------------------------------------------------------


def _get(import_id: str) -> Document:
    try:
        return context().imports.get_import(account().access_token, import_id)
    except ImportNotFound:
        abort(404)


@behind_login("/selvbetjening/indlaesninger/<import_id>", "import_detail")
@requires_login("dst", "admin")
def import_detail(import_id: str) -> Response:
    try:
        run = _get(import_id)
    except ImportNotAllowed as refused:
        return _not_allowed(refused)
    return _detail_page(run, request.args.get("fil"))


@behind_login("/selvbetjening/indlaesninger/<import_id>/status", "import_progress")
@requires_login("dst", "admin")
def import_progress(import_id: str) -> Response:
    """How far an import has come, for the progress bar's script."""
    try:
        run = _get(import_id)
    except ImportNotAllowed as refused:
        abort(refused.status)
    progress = progress_of(run)
    if progress.done:
        _forget_changed_pages(run)
    return no_store(jsonify(progress.as_json()))


# After this long, an import's pages have long been renewed by the cache itself.
FORGET_WITHIN_S = 120


def _forget_changed_pages(run: Document) -> None:
    """The first looks at a just-finished statistics import drop the pages
    its figures change from the page cache, so the new figures show at once
    (the cache holds them back until search has them)."""
    finished = run.get("finished_at")
    try:
        age_s = time.time() - datetime.fromisoformat(str(finished)).timestamp()
    except ValueError:
        return
    report = read_report(run.get("report"))
    if report is None or age_s > FORGET_WITHIN_S:
        return
    cache = context().page_cache
    for page in pages_changed(report):
        cache.forget(page)


def _detail_page(
    run: Document,
    token: str | None,
    errors: dict[str, list[str]] | None = None,
    typed: str = "",
    notice: str | None = None,
    status: int = 200,
) -> Response:
    progress = progress_of(run)
    report = read_report(run.get("report")) if progress.done else None
    if progress.done:
        _forget_changed_pages(run)
    runnable_token: str | None = None
    if run.get("dry_run") and token:
        store = upload_store()
        owner = account().account_id
        if notice == "unavailable" or not progress.done or (report is not None and report.runnable):
            runnable_token = token if store.take(owner, token) is not None else None
        else:
            # A file that cannot be run is not kept.
            store.drop(owner, token)
    return render_page(
        "pages/imports/detail.html",
        status,
        run=run,
        progress=progress,
        report=report,
        upload_token=runnable_token,
        errors=errors or {},
        typed=typed,
        notice=notice,
        language=_language(),
        status_label=status_label,
        kind_label=kind_label,
        when=when,
        indicator_label=_indicator_label,
        refused_run=_refused_run(run, report),
    )


def _indicator_label(key: str) -> str:
    from web.api import labels

    label = labels.INDICATORS.get(key)
    return str(label) if label is not None else key


def _refused_run(run: Document, report: ImportReport | None) -> bool:
    """A real run the closure guard refused: the page says how to try again."""
    if run.get("dry_run") or report is None or not report.rejected:
        return False
    return any(p.code in ("mass_closure", "closure_count_mismatch") for p in report.error_problems)


# --- users (admins) -------------------------------------------------------------------------


def _municipality_choices() -> list[tuple[int, str]]:
    """The municipalities as search knows them; the contracts' list if search is away."""
    try:
        found = context().search.municipalities().get("municipalities") or []
        choices = [
            (int(m["code"]), str(m.get("name") or MUNICIPALITIES.get(int(m["code"]), m["code"])))
            for m in found
            if isinstance(m, dict) and isinstance(m.get("code"), int)
        ]
    except SearchUnavailable:
        choices = []
    if not choices:
        choices = list(MUNICIPALITIES.items())
    return sorted(choices, key=lambda choice: choice[1])


def _recent_audit() -> list[dict[str, Any]] | None:
    try:
        records = context().accounts.audit(account().access_token, limit=AUDIT_SHOWN)
    except (AuthUnavailable, AccountNotAllowed, AccountRefused, SessionEnded):
        return None
    found = records.get("records") if isinstance(records, dict) else None
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


USER_FIELDS: Final = ("role", "username", "display_name", "municipality_code")


@behind_login("/selvbetjening/brugere", "users", methods=("GET", "POST"))
@requires_login("admin")
def users() -> Response:
    values = {"role": "municipality", "username": "", "display_name": "", "municipality_code": ""}
    errors: dict[str, list[str]] = {}
    notice: str | None = None
    created: OneTimeSecrets | None = None
    status = 200
    if request.method == "POST":
        for field in USER_FIELDS:
            values[field] = request.form.get(field, "").strip()
        errors = _user_errors(values)
        status = 400
        if not errors:
            code = int(values["municipality_code"]) if values["role"] == "municipality" else None
            try:
                created = context().accounts.create_user(
                    account().access_token,
                    values["role"],
                    values["username"],
                    municipality_code=code,
                    display_name=values["display_name"] or None,
                )
            except AccountRefused as refused:
                status = refused.status if refused.status in (409, 422) else 422
                errors = _refusal_fields(refused)
            except AccountNotAllowed:
                abort(403)
            except SessionEnded:
                session.clear()
                return redirect(login_url(next_path=page_url("users")))
            except AuthUnavailable:
                notice, status = "unavailable", 503
            else:
                status = 201
                values = {key: "" for key in values} | {"role": values["role"]}
    response = render_page(
        "pages/imports/users.html",
        status,
        values=values,
        errors=errors,
        notice=notice,
        created=created,
        municipalities=_municipality_choices(),
        roles=USER_ROLE_LABELS,
        audit=_recent_audit(),
        audit_actions=AUDIT_ACTIONS,
        when=when,
        municipality_name=lambda code: MUNICIPALITIES.get(code, str(code)) if code else "–",
        maxlengths={"username": USERNAME_MAX, "display_name": DISPLAY_NAME_MAX},
    )
    if status == 503:
        response.headers["Retry-After"] = "30"
    return response


def _user_errors(values: dict[str, str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if values["role"] not in USER_ROLES:
        errors["role"] = [_("Vælg, om brugeren er en kommunebruger eller fra Danmarks Statistik.")]
    if not values["username"]:
        errors["username"] = [_("Skriv et brugernavn.")]
    elif len(values["username"]) > USERNAME_MAX:
        errors["username"] = [_("Brugernavnet må højst være %(n)d tegn.", n=USERNAME_MAX)]
    if len(values["display_name"]) > DISPLAY_NAME_MAX:
        errors["display_name"] = [_("Navnet må højst være %(n)d tegn.", n=DISPLAY_NAME_MAX)]
    if values["role"] == "municipality":
        code = values["municipality_code"]
        if not code:
            errors["municipality_code"] = [_("Vælg brugerens kommune.")]
        elif not code.isdigit() or int(code) not in MUNICIPALITIES:
            errors["municipality_code"] = [_("Vælg en kommune på listen.")]
    return errors


def _refusal_fields(refused: AccountRefused) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for problem in refused.problems or [{"en": refused.message_en, "da": refused.message_da}]:
        field = str(problem.get("field") or "username")
        if field not in USER_FIELDS:
            field = "username"
        message = _in_language(
            str(problem.get("da") or refused.message_da), str(problem.get("en") or "")
        )
        errors.setdefault(field, []).append(message)
    return errors
