//! Schema parity (issue #16 item 5): a fresh SQLite database and a fresh PostgreSQL database,
//! each migrated by the store's own `Store::open`, must describe the same schema. Per table the
//! test compares the columns (name, order, a normalised type, nullability, default), the primary
//! key, unique constraints and indexes (by column list, sort order, uniqueness and
//! partial-ness, never by name: the backends name constraint indexes differently), foreign keys
//! (columns → referenced table and columns, with their ON DELETE / ON UPDATE actions), triggers
//! (by name) and check constraints (by count; see `sqlite_check_count`).
//!
//! A difference fails the test unless `ALLOWED` below lists it with its reason; an entry of
//! `ALLOWED` that no longer matches anything fails it too, so the list cannot go stale.
//!
//! Not compared: the text of a partial index's WHERE clause (PostgreSQL hands it back
//! rewritten, e.g. `IN (…)` as `= ANY (ARRAY[…])`, so only its presence is compared), views
//! (the migrations create none) and what a trigger's body does (the bodies are SQLite SQL and
//! PL/pgSQL respectively).
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use canyu_store::Backend;
use canyu_store::testing::{backends, fresh_store};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Differences that are intended: `(table, what, reason)`, `what` as the failure message
/// prints it. Types that only differ in spelling (`INTEGER` / `BIGINT`, `REAL` /
/// `DOUBLE PRECISION`) are not listed: `normalise_type` makes them equal. Empty: the only
/// differences the first run found (SQLite's TEXT primary keys of `sessions` and
/// `instance_meta` accepting NULL) were drift, fixed by sqlite/0022_schema_parity.sql.
const ALLOWED: &[(&str, &str, &str)] = &[];

// ---------------------------------------------------------------------------------------------
// The backend-neutral model of a schema.

#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Column {
    name: String,
    /// The type as the backend reports it, for the failure message.
    declared: String,
    /// `normalise_type(declared)`: what is compared.
    ty: String,
    not_null: bool,
    /// `normalise_default` of the default expression; `GENERATED_ID` for an id the database
    /// assigns itself (SQLite `AUTOINCREMENT`, PostgreSQL identity or serial).
    default: Option<String>,
}

const GENERATED_ID: &str = "<generated id>";

#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Table {
    columns: Vec<Column>,
    primary_key: Vec<String>,
    /// Index shape (see `index_shape`) → the names (and WHERE clauses) of the indexes of that
    /// shape. Primary-key indexes are not here: `primary_key` covers them.
    indexes: BTreeMap<String, Vec<String>>,
    /// `(columns) -> table(columns)` → its actions, one entry per foreign key.
    foreign_keys: BTreeMap<String, Vec<String>>,
    triggers: BTreeSet<String>,
    /// How many CHECK constraints, and (PostgreSQL only) their text for the message.
    checks: usize,
    check_texts: Vec<String>,
}

type Schema = BTreeMap<String, Table>;

/// The small set of types the backends are compared in. SQLite has one integer type (and one
/// float type) whatever the declaration says, so all integer widths are `int` and all float
/// widths `float`; length limits (`varchar(20)`) are dropped. Anything else comes back as the
/// lower-cased declaration, so an unusual type shows up as a difference rather than being
/// guessed at.
fn normalise_type(declared: &str) -> String {
    let lower = declared.trim().to_ascii_lowercase();
    let base = match lower.find('(') {
        Some(paren) => lower[..paren].trim_end(),
        None => lower.as_str(),
    };
    let base = base.split_whitespace().collect::<Vec<_>>().join(" ");
    let canonical = match base.as_str() {
        "integer" | "int" | "bigint" | "smallint" | "tinyint" | "mediumint" | "int2" | "int4" | "int8"
        | "serial" | "bigserial" | "smallserial" | "unsigned big int" => "int",
        "text" | "varchar" | "character varying" | "char" | "character" | "bpchar" | "nchar" | "nvarchar"
        | "native character" | "varying character" | "clob" | "citext" => "text",
        "real" | "double" | "double precision" | "float" | "float4" | "float8" => "float",
        "blob" | "bytea" => "bytes",
        "boolean" | "bool" => "bool",
        "numeric" | "decimal" => "numeric",
        "" => "untyped",
        _ => return base,
    };
    canonical.to_string()
}

/// A default expression with the PostgreSQL decorations taken off: `'fan'::text` → `'fan'`,
/// `(0)` → `0`.
fn normalise_default(raw: &str) -> String {
    let mut s = raw.trim().to_string();
    loop {
        let before = s.clone();
        if let Some(cast) = s.rfind("::") {
            let ty = &s[cast + 2..];
            if !ty.is_empty() && ty.chars().all(|c| c.is_ascii_alphanumeric() || " _[]\"".contains(c)) {
                s = s[..cast].trim_end().to_string();
            }
        }
        if s.starts_with('(') && s.ends_with(')') && wrapped_whole(&s) {
            s = s[1..s.len() - 1].trim().to_string();
        }
        if s == before {
            return s;
        }
    }
}

/// Whether the opening parenthesis at the start of `s` closes at its very end.
fn wrapped_whole(s: &str) -> bool {
    let mut depth = 0i32;
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth == 0 {
                    return i == s.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

fn index_shape(unique: bool, columns: &[String], partial: bool) -> String {
    format!(
        "{}index ({}){}",
        if unique { "unique " } else { "" },
        columns.join(", "),
        if partial { " partial" } else { "" }
    )
}

fn fk_shape(columns: &[String], ref_table: &str, ref_columns: &[String]) -> String {
    format!("foreign key ({}) -> {ref_table}({})", columns.join(", "), ref_columns.join(", "))
}

fn fk_actions(on_delete: &str, on_update: &str) -> String {
    format!("ON DELETE {on_delete} ON UPDATE {on_update}")
}

fn describe_column(c: &Column) -> String {
    let mut s = format!("{} ({})", c.ty, c.declared);
    s.push_str(if c.not_null { " NOT NULL" } else { " NULL" });
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Comparing two schemas.

#[derive(Debug, Clone, PartialEq, Eq)]
struct Diff {
    table: String,
    what: String,
    sqlite: String,
    postgres: String,
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: sqlite {} | postgres {}", self.table, self.what, self.sqlite, self.postgres)
    }
}

fn compare(sqlite: &Schema, postgres: &Schema) -> Vec<Diff> {
    let mut diffs = Vec::new();
    let names: BTreeSet<&String> = sqlite.keys().chain(postgres.keys()).collect();
    for name in names {
        let mut push = |what: String, s: String, p: String| {
            diffs.push(Diff { table: name.clone(), what, sqlite: s, postgres: p })
        };
        let (s, p) = match (sqlite.get(name), postgres.get(name)) {
            (Some(s), Some(p)) => (s, p),
            (s, p) => {
                let state = |t: Option<&Table>| if t.is_some() { "present" } else { "missing" }.to_string();
                push("table".into(), state(s), state(p));
                continue;
            }
        };

        // Columns, by name; then their order.
        let s_cols: BTreeMap<&str, &Column> = s.columns.iter().map(|c| (c.name.as_str(), c)).collect();
        let p_cols: BTreeMap<&str, &Column> = p.columns.iter().map(|c| (c.name.as_str(), c)).collect();
        let col_names: BTreeSet<&str> = s_cols.keys().chain(p_cols.keys()).copied().collect();
        for col in &col_names {
            match (s_cols.get(col), p_cols.get(col)) {
                (Some(sc), Some(pc)) => {
                    if sc.ty != pc.ty {
                        push(
                            format!("column {col}: type"),
                            format!("{} ({})", sc.ty, sc.declared),
                            format!("{} ({})", pc.ty, pc.declared),
                        );
                    }
                    if sc.not_null != pc.not_null {
                        let n = |c: &Column| if c.not_null { "NOT NULL" } else { "nullable" }.to_string();
                        push(format!("column {col}: nullability"), n(sc), n(pc));
                    }
                    if sc.default != pc.default {
                        let d = |c: &Column| c.default.clone().unwrap_or_else(|| "no default".into());
                        push(format!("column {col}: default"), d(sc), d(pc));
                    }
                }
                (sc, pc) => {
                    let d = |c: Option<&&Column>| c.map_or("missing".to_string(), |c| describe_column(c));
                    push(format!("column {col}"), d(sc), d(pc));
                }
            }
        }
        let s_order: Vec<&str> = s.columns.iter().map(|c| c.name.as_str()).collect();
        let p_order: Vec<&str> = p.columns.iter().map(|c| c.name.as_str()).collect();
        let same_set = s_cols.len() == p_cols.len() && s_cols.keys().all(|k| p_cols.contains_key(k));
        if same_set && s_order != p_order {
            push("column order".into(), s_order.join(", "), p_order.join(", "));
        }

        if s.primary_key != p.primary_key {
            let k = |t: &Table| {
                if t.primary_key.is_empty() {
                    "none".to_string()
                } else {
                    format!("({})", t.primary_key.join(", "))
                }
            };
            push("primary key".into(), k(s), k(p));
        }

        let shapes: BTreeSet<&String> = s.indexes.keys().chain(p.indexes.keys()).collect();
        for shape in shapes {
            let (si, pi) = (s.indexes.get(shape), p.indexes.get(shape));
            if si.map_or(0, Vec::len) != pi.map_or(0, Vec::len) {
                let d = |v: Option<&Vec<String>>| match v {
                    None => "missing".to_string(),
                    Some(names) => format!("{} ({})", names.len(), names.join("; ")),
                };
                push(shape.clone(), d(si), d(pi));
            }
        }

        let fks: BTreeSet<&String> = s.foreign_keys.keys().chain(p.foreign_keys.keys()).collect();
        for fk in fks {
            let (sf, pf) = (s.foreign_keys.get(fk), p.foreign_keys.get(fk));
            if sf != pf {
                let d = |v: Option<&Vec<String>>| v.map_or("missing".to_string(), |a| a.join("; "));
                push(fk.clone(), d(sf), d(pf));
            }
        }

        for trigger in s.triggers.symmetric_difference(&p.triggers) {
            let d = |t: &Table| if t.triggers.contains(trigger) { "present" } else { "missing" }.to_string();
            push(format!("trigger {trigger}"), d(s), d(p));
        }

        if s.checks != p.checks {
            push(
                "check constraints".into(),
                s.checks.to_string(),
                format!("{} ({})", p.checks, p.check_texts.join("; ")),
            );
        }
    }
    diffs
}

// ---------------------------------------------------------------------------------------------
// Reading SQLite's schema.

/// A row of `pragma_foreign_key_list`: id, seq, table, from, to, on_update, on_delete.
type SqliteFkRow = (i64, i64, String, String, Option<String>, String, String);
/// A foreign key gathered from its rows: table, from, to, on_delete, on_update.
type SqliteFk = (String, Vec<String>, Vec<Option<String>>, String, String);

async fn sqlite_schema(url: &str) -> Schema {
    let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect(url).await.expect("sqlite");
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .expect("sqlite tables");
    let mut schema = Schema::new();
    for (name, sql) in tables {
        let mut table = Table::default();
        let upper_sql = sql.to_ascii_uppercase();
        let without_rowid = upper_sql.contains("WITHOUT ROWID");

        let cols: Vec<(String, String, i64, Option<String>, i64)> = sqlx::query_as(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid",
        )
        .bind(&name)
        .fetch_all(&pool)
        .await
        .expect("pragma_table_info");
        let mut pk: Vec<(i64, String)> =
            cols.iter().filter(|c| c.4 > 0).map(|c| (c.4, c.0.clone())).collect();
        pk.sort();
        table.primary_key = pk.into_iter().map(|(_, n)| n).collect();
        // The one `INTEGER PRIMARY KEY` column of a rowid table is the rowid itself: it cannot
        // hold NULL although `pragma_table_info` reports it nullable, and with AUTOINCREMENT
        // SQLite assigns it (without, it also assigns one when NULL is inserted, but the
        // store always passes such keys explicitly, matching a plain PostgreSQL key).
        let rowid_alias = |col: &str, declared: &str| {
            !without_rowid
                && table.primary_key.len() == 1
                && table.primary_key[0] == col
                && declared.eq_ignore_ascii_case("INTEGER")
        };
        for (col, declared, not_null, default, pk_pos) in &cols {
            let alias = rowid_alias(col, declared);
            let default = if alias && upper_sql.contains("AUTOINCREMENT") {
                Some(GENERATED_ID.to_string())
            } else {
                default.as_deref().map(normalise_default)
            };
            table.columns.push(Column {
                name: col.clone(),
                declared: declared.clone(),
                ty: normalise_type(declared),
                // WITHOUT ROWID tables enforce NOT NULL on their key; rowid tables only on
                // the rowid alias (a known SQLite quirk for every other key column).
                not_null: *not_null != 0 || alias || (without_rowid && *pk_pos > 0),
                default,
            });
        }

        let indexes: Vec<(String, i64, String, i64)> =
            sqlx::query_as("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1)")
                .bind(&name)
                .fetch_all(&pool)
                .await
                .expect("pragma_index_list");
        for (index, unique, origin, partial) in indexes {
            if origin == "pk" {
                continue;
            }
            let keys: Vec<(Option<String>, i64, i64)> = sqlx::query_as(
                "SELECT name, \"desc\", cid FROM pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno",
            )
            .bind(&index)
            .fetch_all(&pool)
            .await
            .expect("pragma_index_xinfo");
            let columns: Vec<String> = keys
                .into_iter()
                .map(|(col, desc, cid)| {
                    let col =
                        col.unwrap_or_else(|| if cid == -1 { "rowid".into() } else { "<expression>".into() });
                    if desc != 0 { format!("{col} DESC") } else { col }
                })
                .collect();
            let mut label = index.clone();
            if partial != 0 {
                let sql: Option<String> =
                    sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1")
                        .bind(&index)
                        .fetch_optional(&pool)
                        .await
                        .expect("index sql")
                        .flatten();
                if let Some(sql) = sql
                    && let Some(at) = sql.to_ascii_uppercase().rfind(" WHERE ")
                {
                    label = format!("{index} WHERE {}", sql[at + 7..].trim());
                }
            }
            table.indexes.entry(index_shape(unique != 0, &columns, partial != 0)).or_default().push(label);
        }

        let fks: Vec<SqliteFkRow> = sqlx::query_as(
            "SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete \
             FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
        )
        .bind(&name)
        .fetch_all(&pool)
        .await
        .expect("pragma_foreign_key_list");
        let mut by_id: BTreeMap<i64, SqliteFk> = BTreeMap::new();
        for (id, _seq, ref_table, from, to, on_update, on_delete) in fks {
            let e = by_id.entry(id).or_insert_with(|| (ref_table, vec![], vec![], on_delete, on_update));
            e.1.push(from);
            e.2.push(to);
        }
        for (ref_table, from, to, on_delete, on_update) in by_id.into_values() {
            // `REFERENCES t` without columns means t's primary key.
            let to: Vec<String> = if to.iter().all(Option::is_some) {
                to.into_iter().flatten().collect()
            } else {
                sqlx::query_scalar("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk")
                    .bind(&ref_table)
                    .fetch_all(&pool)
                    .await
                    .expect("referenced key")
            };
            table
                .foreign_keys
                .entry(fk_shape(&from, &ref_table, &to))
                .or_default()
                .push(fk_actions(&on_delete, &on_update));
        }

        table.checks = sqlite_check_count(&sql);
        schema.insert(name, table);
    }

    let triggers: Vec<(String, String)> =
        sqlx::query_as("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
            .fetch_all(&pool)
            .await
            .expect("sqlite triggers");
    for (table, trigger) in triggers {
        schema.entry(table).or_default().triggers.insert(trigger);
    }
    pool.close().await;
    schema
}

/// SQLite has no pragma for CHECK constraints: they exist only in the CREATE TABLE text that
/// `sqlite_master` keeps (with later ADD COLUMNs spliced in). Counting `CHECK (` in that text,
/// outside comments and string literals, is cheap and enough to catch a constraint that one
/// backend has and the other lacks; comparing the expressions themselves would need an SQL
/// parser, as PostgreSQL hands them back rewritten.
fn sqlite_check_count(create_table: &str) -> usize {
    let mut code = String::new();
    for line in create_table.lines() {
        let mut quoted = false;
        let mut prev = ' ';
        for c in line.chars() {
            if c == '\'' {
                quoted = !quoted;
            } else if !quoted && c == '-' && prev == '-' {
                code.pop();
                break;
            }
            code.push(if quoted { ' ' } else { c.to_ascii_uppercase() });
            prev = c;
        }
        code.push('\n');
    }
    let bytes = code.as_bytes();
    let mut count = 0;
    let mut from = 0;
    while let Some(at) = code[from..].find("CHECK") {
        let start = from + at;
        let end = start + 5;
        let word_before = start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        if !word_before && code[end..].trim_start().starts_with('(') {
            count += 1;
        }
        from = end;
    }
    count
}

// ---------------------------------------------------------------------------------------------
// Reading PostgreSQL's schema.

/// table, kind, columns, referenced table, referenced columns, ON DELETE, ON UPDATE, text.
type PgConstraintRow = (String, String, Vec<String>, Option<String>, Vec<String>, String, String, String);
/// table, index, unique, primary, key columns, WHERE clause.
type PgIndexRow = (String, String, bool, bool, Vec<String>, Option<String>);

async fn postgres_schema(url: &str) -> Schema {
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(url).await.expect("postgres");
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
         AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&pool)
    .await
    .expect("postgres tables");
    let mut schema: Schema = tables.into_iter().map(|(t,)| (t, Table::default())).collect();

    let cols: Vec<(String, String, String, bool, Option<String>, bool)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, \
                (CASE WHEN data_type IN ('USER-DEFINED', 'ARRAY') THEN udt_name ELSE data_type END)::text, \
                is_nullable = 'NO', column_default::text, is_identity = 'YES' \
         FROM information_schema.columns WHERE table_schema = current_schema() \
         ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&pool)
    .await
    .expect("postgres columns");
    for (table, name, declared, not_null, default, identity) in cols {
        let Some(t) = schema.get_mut(&table) else { continue };
        let serial = default.as_deref().is_some_and(|d| d.starts_with("nextval("));
        t.columns.push(Column {
            name,
            ty: normalise_type(&declared),
            declared,
            not_null,
            default: if identity || serial {
                Some(GENERATED_ID.to_string())
            } else {
                default.as_deref().map(normalise_default)
            },
        });
    }

    let constraints: Vec<PgConstraintRow> = sqlx::query_as(
        "SELECT t.relname::text, con.contype::text, \
                ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(n, o) \
                      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o), \
                rt.relname::text, \
                ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(n, o) \
                      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o), \
                con.confdeltype::text, con.confupdtype::text, pg_get_constraintdef(con.oid) \
             FROM pg_constraint con \
             JOIN pg_class t ON t.oid = con.conrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             LEFT JOIN pg_class rt ON rt.oid = con.confrelid \
             WHERE n.nspname = current_schema() AND con.contype IN ('p', 'f', 'c') \
             ORDER BY t.relname, con.conname",
    )
    .fetch_all(&pool)
    .await
    .expect("postgres constraints");
    let action = |code: &str| match code {
        "a" => "NO ACTION",
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        _ => "?",
    };
    for (table, kind, columns, ref_table, ref_columns, on_delete, on_update, def) in constraints {
        let Some(t) = schema.get_mut(&table) else { continue };
        match kind.as_str() {
            "p" => t.primary_key = columns,
            "f" => {
                let shape = fk_shape(&columns, ref_table.as_deref().unwrap_or("?"), &ref_columns);
                t.foreign_keys
                    .entry(shape)
                    .or_default()
                    .push(fk_actions(action(&on_delete), action(&on_update)));
            }
            _ => {
                t.checks += 1;
                t.check_texts.push(def);
            }
        }
    }

    let indexes: Vec<PgIndexRow> = sqlx::query_as(
        "SELECT t.relname::text, i.relname::text, ix.indisunique, ix.indisprimary, \
            ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k.o, true) \
                         || CASE WHEN (ix.indoption[k.o - 1] & 1) = 1 THEN ' DESC' ELSE '' END \
                  FROM generate_series(1, ix.indnkeyatts::int) AS k(o) ORDER BY k.o), \
            pg_get_expr(ix.indpred, ix.indrelid) \
         FROM pg_index ix \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = current_schema()",
    )
    .fetch_all(&pool)
    .await
    .expect("postgres indexes");
    for (table, index, unique, primary, columns, predicate) in indexes {
        let Some(t) = schema.get_mut(&table) else { continue };
        if primary {
            continue;
        }
        // pg_get_indexdef quotes column names that are keywords (`"position"`).
        let columns: Vec<String> = columns.into_iter().map(|c| c.replace('"', "")).collect();
        let label = match &predicate {
            Some(p) => format!("{index} WHERE {p}"),
            None => index,
        };
        t.indexes.entry(index_shape(unique, &columns, predicate.is_some())).or_default().push(label);
    }

    let triggers: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, tg.tgname::text FROM pg_trigger tg \
         JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE NOT tg.tgisinternal AND n.nspname = current_schema()",
    )
    .fetch_all(&pool)
    .await
    .expect("postgres triggers");
    for (table, trigger) in triggers {
        schema.entry(table).or_default().triggers.insert(trigger);
    }
    pool.close().await;
    schema
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[tokio::test]
async fn sqlite_and_postgres_schemas_match() {
    if !backends().contains(&Backend::Postgres) {
        eprintln!("schema_parity: PostgreSQL is not configured; skipping the comparison");
        return;
    }
    let (sqlite_store, sqlite_url) = fresh_store(Backend::Sqlite).await.expect("fresh sqlite");
    let (postgres_store, postgres_url) = fresh_store(Backend::Postgres).await.expect("fresh postgres");
    sqlite_store.close().await;
    postgres_store.close().await;
    let sqlite = sqlite_schema(&sqlite_url).await;
    let postgres = postgres_schema(&postgres_url).await;
    // The readers must see the schema, not agree on reading nothing.
    for (backend, schema) in [("sqlite", &sqlite), ("postgres", &postgres)] {
        assert!(schema.len() > 20, "{backend}: read only {} tables", schema.len());
        let table = |name: &str| schema.get(name).unwrap_or_else(|| panic!("{backend}: no table {name}"));
        assert!(table("posts").indexes.contains_key("index (product_id, hot DESC, id DESC)"), "{backend}");
        assert!(
            table("posts").foreign_keys.contains_key("foreign key (product_id) -> products(id)"),
            "{backend}"
        );
        assert!(table("users").indexes.contains_key("unique index (handle_key)"), "{backend}");
        assert_eq!(table("votes").primary_key, ["post_id", "user_id"], "{backend}");
        assert!(
            table("beta_memberships").indexes.contains_key("unique index (product_id, user_id) partial"),
            "{backend}"
        );
        assert!(table("points_ledger").triggers.contains("points_ledger_append_only"), "{backend}");
        assert_eq!(table("users").columns[0].default.as_deref(), Some(GENERATED_ID), "{backend}");
    }

    let diffs = compare(&sqlite, &postgres);
    let allowed = |d: &Diff| ALLOWED.iter().any(|(table, what, _)| *table == d.table && *what == d.what);
    let unexpected: Vec<String> = diffs.iter().filter(|d| !allowed(d)).map(ToString::to_string).collect();
    let stale: Vec<String> = ALLOWED
        .iter()
        .filter(|(table, what, _)| !diffs.iter().any(|d| d.table == *table && d.what == *what))
        .map(|(table, what, reason)| format!("{table}: {what} (\"{reason}\")"))
        .collect();
    for d in diffs.iter().filter(|d| allowed(d)) {
        eprintln!("allowed: {d}");
    }
    assert!(
        unexpected.is_empty() && stale.is_empty(),
        "the SQLite and PostgreSQL schemas differ.\n\
         {} difference(s) not in ALLOWED:\n  {}\n\
         {} ALLOWED entr(y/ies) matching nothing (remove them):\n  {}",
        unexpected.len(),
        unexpected.join("\n  "),
        stale.len(),
        stale.join("\n  "),
    );
}

#[test]
fn types_normalise_to_a_small_set() {
    for (declared, normal) in [
        ("INTEGER", "int"),
        ("bigint", "int"),
        ("BIGINT", "int"),
        ("int4", "int"),
        ("TEXT", "text"),
        ("character varying", "text"),
        ("VARCHAR(64)", "text"),
        ("REAL", "float"),
        ("double precision", "float"),
        ("DOUBLE  PRECISION", "float"),
        ("BLOB", "bytes"),
        ("bytea", "bytes"),
        ("BOOLEAN", "bool"),
        ("boolean", "bool"),
        ("NUMERIC(10, 2)", "numeric"),
        ("", "untyped"),
        ("timestamp with time zone", "timestamp with time zone"),
        ("jsonb", "jsonb"),
    ] {
        assert_eq!(normalise_type(declared), normal, "{declared:?}");
    }
}

#[test]
fn defaults_lose_postgres_casts_and_parentheses() {
    for (raw, normal) in [
        ("'fan'::text", "'fan'"),
        ("'fan'", "'fan'"),
        ("''::character varying", "''"),
        ("0", "0"),
        ("(0)", "0"),
        ("'a::b'", "'a::b'"),
        ("('x'::text)", "'x'"),
        ("(1) + (2)", "(1) + (2)"),
    ] {
        assert_eq!(normalise_default(raw), normal, "{raw:?}");
    }
}

#[test]
fn check_constraints_are_counted_outside_comments_and_strings() {
    assert_eq!(sqlite_check_count("CREATE TABLE t (a INTEGER CHECK (a > 0), b TEXT)"), 1);
    assert_eq!(
        sqlite_check_count("CREATE TABLE t (\n a INTEGER, -- check (a) later\n b TEXT DEFAULT 'check (')"),
        0
    );
    assert_eq!(sqlite_check_count("CREATE TABLE t (a INTEGER, CONSTRAINT c check(a < 5))"), 1);
    assert_eq!(sqlite_check_count("CREATE TABLE t (rechecked INTEGER)"), 0);
}

#[test]
fn differences_are_listed_one_per_line() {
    let col = |name: &str, declared: &str, not_null: bool| Column {
        name: name.into(),
        declared: declared.into(),
        ty: normalise_type(declared),
        not_null,
        default: None,
    };
    let mut s =
        Table { columns: vec![col("id", "INTEGER", true), col("k", "TEXT", false)], ..Table::default() };
    s.indexes.insert(index_shape(false, &["k".into()], false), vec!["t_k".into()]);
    let p = Table { columns: vec![col("id", "bigint", true), col("k", "text", true)], ..Table::default() };
    let diffs = compare(&Schema::from([("t".into(), s)]), &Schema::from([("t".into(), p)]));
    let lines: Vec<String> = diffs.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "t: column k: nullability: sqlite nullable | postgres NOT NULL",
            "t: index (k): sqlite 1 (t_k) | postgres missing",
        ]
    );
}
