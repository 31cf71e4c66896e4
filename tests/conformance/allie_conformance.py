"""Conformance of the Alation sandbox with Alation's own Python SDK, allie-sdk 2.2.3.

Usage: allie_conformance.py <base-url>
Credentials come from the environment variable ALATION_CREDENTIALS, a JSON object
{"users": [{"username", "password", "role", "user_id"}], "refresh_token",
"refresh_token_user_id"} as the sandbox prints them.

Every check prints one line, "ok - ..." or "FAIL - ...". The exit status is 0 only if
every check passed. allie-sdk is used unchanged; the one raw HTTP call creates a virtual
data source, for which allie-sdk has no method.
"""

import json
import os
import sys
import traceback

import allie_sdk as allie
import requests

FAILURES = []


def check(name, func):
    """Runs one check and prints its outcome."""
    try:
        func()
        print(f"ok - {name}", flush=True)
    except Exception as error:  # report every failure, keep going
        FAILURES.append(name)
        print(f"FAIL - {name}: {error!r}", flush=True)
        traceback.print_exc(file=sys.stdout)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def successful(jobs, what):
    expect(jobs, f"{what}: no job details returned")
    for job in jobs:
        expect(job.status == "successful", f"{what}: job ended {job.status}: {job.msg}")


def main():
    url = sys.argv[1]
    creds = json.loads(os.environ["ALATION_CREDENTIALS"])
    admin_id = creds["refresh_token_user_id"]
    viewer = next(u for u in creds["users"] if u["role"] == "VIEWER")
    state = {}

    def refresh_token_auth():
        alation = allie.Alation(host=url, user_id=admin_id, refresh_token=creds["refresh_token"])
        me = alation.user.get_authenticated_user()
        expect(me.id == admin_id, f"userinfo id {me.id} != {admin_id}")
        expect(me.role == "SERVER_ADMIN", f"role {me.role}")
        state["alation"] = alation

    check("refresh token + user id authentication", refresh_token_auth)
    if "alation" not in state:
        sys.exit(1)
    alation = state["alation"]
    token = alation.access_token

    def access_token_auth():
        other = allie.Alation(host=url + "/", access_token=token)
        me = other.user.get_authenticated_user()
        expect(me.id == admin_id, f"userinfo id {me.id}")

    check("access token authentication (validateAPIAccessToken echo)", access_token_auth)

    def connectors():
        names = {c.name: c.id for c in alation.connector.get_connectors()}
        expect("PostgreSQL OCF Connector" in names, f"connectors: {sorted(names)}")
        state["pg_connector"] = names["PostgreSQL OCF Connector"]

    check("connector listing", connectors)

    def virtual_datasource():
        reply = requests.post(
            f"{url}/integration/v1/datasource/",
            headers={"Token": token},
            json={"dbtype": "postgresql", "title": "Virtual warehouse", "is_virtual": True},
            timeout=30,
        )
        expect(reply.status_code == 201, f"create status {reply.status_code}: {reply.text}")
        ds_id = reply.json()["id"]
        native = alation.datasource.get_native_datasources()
        found = [d for d in native if d.id == ds_id]
        expect(found and found[0].is_virtual, f"virtual source {ds_id} not listed as virtual")
        state["vds"] = ds_id

    check("v1 virtual data source created and listed (get_native_datasources)", virtual_datasource)

    def ocf_datasource():
        created = alation.datasource.create_ocf_datasource(
            allie.OCFDatasourcePostItem(
                connector_id=state["pg_connector"],
                title="Sales",
                db_username="svc",
                uri="postgresql://db:5432/sales",
                description="Sales warehouse",
            )
        )
        expect(created.id, "created OCF source has no id")
        listed = [d.id for d in alation.datasource.get_ocf_datasources()]
        expect(created.id in listed, f"{created.id} not in {listed}")
        one = alation.datasource.get_ocf_datasource_by_id(created.id)
        expect(one.title == "Sales", f"title {one.title}")
        alation.datasource.update_ocf_datasource(created.id, allie.OCFDatasourcePutItem(title="Sales EDW"))
        again = alation.datasource.get_ocf_datasource_by_id(created.id)
        expect(again.title == "Sales EDW", f"title after PUT {again.title}")
        expect(again.uri == "postgresql://db:5432/sales", "PUT changed an absent field")
        state["ocf"] = created.id

    check("v2 OCF data source create_ocf_datasource / get / update", ocf_datasource)
    ds = state.get("ocf") or state.get("vds")

    def post_schemas_and_tables():
        successful(alation.rdbms.post_schemas(ds, [allie.SchemaItem(key=f"{ds}.sales", title="Sales")]),
                   "post_schemas")
        tables = [allie.TableItem(key=f"{ds}.sales.t{i}", title=f"T{i}", table_type="TABLE") for i in range(3)]
        successful(alation.rdbms.post_tables(ds, tables), "post_tables")
        schemas = alation.rdbms.get_schemas(allie.SchemaParams(ds_id={ds}))
        expect([s.name for s in schemas] == ["sales"], f"schemas {[s.name for s in schemas]}")
        got = alation.rdbms.get_tables(allie.TableParams(ds_id={ds}))
        expect(len(got) == 3, f"{len(got)} tables")

    check("post_schemas / post_tables polled to successful", post_schemas_and_tables)

    def post_and_page_columns():
        columns = [
            allie.ColumnItem(key=f"{ds}.sales.t{i % 3}.c{i:05d}", column_type="varchar(20)",
                             title=f"C{i}", position=i + 1)
            for i in range(2500)
        ]
        jobs = alation.rdbms.post_columns(ds, columns)
        expect(len(jobs) == 3, f"{len(jobs)} jobs for 2,500 columns")
        successful(jobs, "post_columns")
        pages = []

        def count(response, *args, **kwargs):
            if "/integration/v2/column/" in response.url:
                pages.append(response.url)

        alation.rdbms.session.hooks["response"].append(count)
        got = alation.rdbms.get_columns(allie.ColumnParams(ds_id={ds}))
        alation.rdbms.session.hooks["response"].remove(count)
        ids = [c.id for c in got]
        expect(len(ids) == 2500 and len(set(ids)) == 2500, f"{len(ids)} columns, {len(set(ids))} distinct")
        expect(len(pages) == 3, f"{len(pages)} pages fetched")
        state["column"] = got[0]
        table_ids = {c.table_id for c in got}
        some = alation.rdbms.get_columns(allie.ColumnParams(table_id={min(table_ids)}))
        expect(len(some) == 834, f"{len(some)} columns in one table")

    check("post_columns (2,500) and get_columns across X-Next-Page pages", post_and_page_columns)

    def patches():
        column = state["column"]
        successful(alation.rdbms.patch_columns(ds, [allie.ColumnPatchItem(id=column.id, title="Renamed")]),
                   "patch_columns")
        got = alation.rdbms.get_columns(allie.ColumnParams(id={column.id}))
        expect(got[0].title == "Renamed" and got[0].column_type == "varchar(20)", f"column {got[0]}")
        successful(alation.rdbms.patch_tables(ds, [allie.TablePatchItem(key=f"{ds}.SALES.T0", description="<p>t0</p>")]),
                   "patch_tables")
        table = alation.rdbms.get_tables(allie.TableParams(ds_id={ds}, name={"t0"}))[0]
        expect(table.description == "<p>t0</p>" and table.title == "T0", f"table {table}")
        successful(alation.rdbms.patch_schemas(ds, [allie.SchemaPatchItem(key=f"{ds}.sales", description="d")]),
                   "patch_schemas")
        schema = alation.rdbms.get_schemas(allie.SchemaParams(ds_id={ds}))[0]
        expect(schema.description == "d" and schema.title == "Sales", f"schema {schema}")

    check("patch_columns / patch_tables / patch_schemas polled to successful", patches)

    def virtual_upload():
        vds = state["vds"]
        objects = [
            allie.VirtualDataSourceSchema(key=f"{vds}.hr"),
            allie.VirtualDataSourceTable(key=f"{vds}.hr.people"),
            allie.VirtualDataSourceColumn(key=f"{vds}.hr.people.id", column_type="int", position=1),
            allie.VirtualDataSourceColumn(key=f"{vds}.hr.people.email", column_type="text", position=2),
        ]
        params = allie.VirtualDataSourceParams(set_title_descs=True, remove_not_seen=False)
        successful(alation.virtual_datasource.post_metadata(vds, objects, params), "VDS upload")
        names = sorted(c.name for c in alation.rdbms.get_columns(allie.ColumnParams(ds_id={vds})))
        expect(names == ["email", "id"], f"columns after upload {names}")
        params = allie.VirtualDataSourceParams(set_title_descs=True, remove_not_seen=True)
        jobs = alation.virtual_datasource.post_metadata(vds, objects[:3], params)
        successful(jobs, "VDS upload with remove_not_seen")
        expect(jobs[0].result.number_received == 3, f"result {jobs[0].result}")
        names = sorted(c.name for c in alation.rdbms.get_columns(allie.ColumnParams(ds_id={vds})))
        expect(names == ["id"], f"columns after remove_not_seen {names}")

    check("Virtual Data Source upload; remove_not_seen removes an object", virtual_upload)

    def viewer_rejected():
        reply = requests.post(
            f"{url}/integration/v1/createRefreshToken/",
            json={"username": viewer["username"], "password": viewer["password"], "name": "viewer"},
            timeout=30,
        )
        expect(reply.ok, f"viewer login {reply.status_code}")
        as_viewer = allie.Alation(host=url, user_id=viewer["user_id"],
                                  refresh_token=reply.json()["refresh_token"])
        expect(len(as_viewer.rdbms.get_schemas(allie.SchemaParams(ds_id={ds}))) == 1, "viewer cannot read")
        try:
            as_viewer.rdbms.post_schemas(ds, [allie.SchemaItem(key=f"{ds}.intruder")])
        except requests.exceptions.HTTPError as error:
            expect(error.response.status_code == 403, f"status {error.response.status_code}")
        else:
            raise AssertionError("a VIEWER's post_schemas was accepted")
        names = [s.name for s in alation.rdbms.get_schemas(allie.SchemaParams(ds_id={ds}))]
        expect(names == ["sales"], f"schemas after rejected write {names}")

    check("a VIEWER's write is rejected with 403", viewer_rejected)

    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed: {FAILURES}")
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
