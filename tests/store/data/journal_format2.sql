-- A journal in format 2 (migrations 0001-0002), written by aixgo before answers were stored once:
-- a completed run and a run paused after two steps, of journal_format2.yaml (iterdump output).
PRAGMA user_version = 2;
BEGIN TRANSACTION;
CREATE TABLE calls (
            run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            call_key TEXT NOT NULL,
            unit_key TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('llm','tool')),
            status TEXT NOT NULL CHECK (status IN ('intent','completed','failed')),
            request_json TEXT NOT NULL,
            response_json TEXT,
            error TEXT,
            tokens_in INTEGER NOT NULL,
            tokens_out INTEGER NOT NULL,
            cost_usd REAL NOT NULL,
            started_at REAL NOT NULL,
            finished_at REAL
        );
INSERT INTO "calls" VALUES(1,'items[0]/answer#8671ec537b.bb1af8abb3/m1','items[0]/answer#8671ec537b.bb1af8abb3','llm','completed','{"max_tokens":null,"messages":[{"content":"Answer: alpha","name":null,"role":"user","tool_call_id":null,"tool_calls":[]}],"model":"openai/gpt-4o-mini","params":{},"response_schema":null,"retry":null,"temperature":null,"timeout_s":null,"tools":[]}','{"attempts":1,"content":"answer 1 to Answer: alpha éééééééééélong text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text ","finish_reason":"stop","model":"openai/gpt-4o-mini","tool_calls":[],"usage":{"completion_tokens":109,"cost_known":true,"cost_usd":0.0,"prompt_tokens":4,"tokens_estimated":false}}',NULL,4,109,0.0,1.7959985996710681915e+09,1.79599859967133855826e+09);
INSERT INTO "calls" VALUES(1,'items[0]/summary#ae47094b80.f83a945a73/m1','items[0]/summary#ae47094b80.f83a945a73','llm','completed','{"max_tokens":null,"messages":[{"content":"Sum up: answer 1 to Answer: alpha éééééééééélong text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text ","name":null,"role":"user","tool_call_id":null,"tool_calls":[]}],"model":"openai/gpt-4o-mini","params":{},"response_schema":null,"retry":null,"temperature":null,"timeout_s":null,"tools":[]}','{"attempts":1,"content":"answer 2 to Sum up: answer 1 to Answer: alpha éééééééééélong text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text  éééééééééélong text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text ","finish_reason":"stop","model":"openai/gpt-4o-mini","tool_calls":[],"usage":{"completion_tokens":217,"cost_known":true,"cost_usd":0.0,"prompt_tokens":111,"tokens_estimated":false}}',NULL,111,217,0.0,1.7959985996804792881e+09,1.79599859968095302577e+09);
INSERT INTO "calls" VALUES(1,'items[1]/answer#8671ec537b.62557551fe/m1','items[1]/answer#8671ec537b.62557551fe','llm','completed','{"max_tokens":null,"messages":[{"content":"Answer: beta","name":null,"role":"user","tool_call_id":null,"tool_calls":[]}],"model":"openai/gpt-4o-mini","params":{},"response_schema":null,"retry":null,"temperature":null,"timeout_s":null,"tools":[]}','{"attempts":1,"content":"answer 3 to Answer: beta éééééééééélong text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text ","finish_reason":"stop","model":"openai/gpt-4o-mini","tool_calls":[],"usage":{"completion_tokens":109,"cost_known":true,"cost_usd":0.0,"prompt_tokens":3,"tokens_estimated":false}}',NULL,3,109,0.0,1.79599859968192458151e+09,1.79599859968209838866e+09);
INSERT INTO "calls" VALUES(1,'items[1]/summary#ae47094b80.881b7beda4/m1','items[1]/summary#ae47094b80.881b7beda4','llm','completed','{"max_tokens":null,"messages":[{"content":"Sum up: answer 3 to Answer: beta éééééééééélong text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text ","name":null,"role":"user","tool_call_id":null,"tool_calls":[]}],"model":"openai/gpt-4o-mini","params":{},"response_schema":null,"retry":null,"temperature":null,"timeout_s":null,"tools":[]}','{"attempts":1,"content":"stub: Sum up: answer 3 to Answer: beta éééééééééélong text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text ","finish_reason":"stop","model":"openai/gpt-4o-mini","tool_calls":[],"usage":{"completion_tokens":113,"cost_known":true,"cost_usd":0.0,"prompt_tokens":111,"tokens_estimated":false}}',NULL,111,113,0.0,1795998599.68306,1.79599859968326115615e+09);
INSERT INTO "calls" VALUES(2,'items[0]/answer#8671ec537b.84a458a952/m1','items[0]/answer#8671ec537b.84a458a952','llm','completed','{"max_tokens":null,"messages":[{"content":"Answer: gamma","name":null,"role":"user","tool_call_id":null,"tool_calls":[]}],"model":"openai/gpt-4o-mini","params":{},"response_schema":null,"retry":null,"temperature":null,"timeout_s":null,"tools":[]}','{"attempts":1,"content":"answer 4 to Answer: gamma éééééééééélong text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text ","finish_reason":"stop","model":"openai/gpt-4o-mini","tool_calls":[],"usage":{"completion_tokens":109,"cost_known":true,"cost_usd":0.0,"prompt_tokens":4,"tokens_estimated":false}}',NULL,4,109,0.0,1.79599859969537544246e+09,1.79599859969557142254e+09);
CREATE TABLE events (
            run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL,
            payload_json TEXT NOT NULL,
            at REAL NOT NULL
        );
INSERT INTO "events" VALUES(1,1,'run_started','{"v":1,"kind":"run_started","run_id":"r01m8mxqjd8cy4fqq0n7f5xqc4","at":1795998599.6694653,"workflow":"format2","resumed":false}',1.79599859966958522801e+09);
INSERT INTO "events" VALUES(1,2,'step_finished','{"v":1,"kind":"step_finished","run_id":"r01m8mxqjd8cy4fqq0n7f5xqc4","at":1795998599.6701946,"unit_key":"source/items#1e6c1fcd20.9a90d3ee4a","place":"source/items","agent":"items","cached":false,"duration_ms":0.03997000021627173,"tokens":0,"cost_usd":0.0,"preview":"[\"alpha\", \"beta\"]"}',1.7959985996703035832e+09);
INSERT INTO "events" VALUES(1,3,'step_finished','{"v":1,"kind":"step_finished","run_id":"r01m8mxqjd8cy4fqq0n7f5xqc4","at":1795998599.6714547,"unit_key":"items[0]/answer#8671ec537b.bb1af8abb3","place":"items[0]/answer","agent":"answer","cached":false,"duration_ms":0.7767370007059071,"tokens":113,"cost_usd":0.0,"preview":"answer 1 to Answer: alpha éééééééééélong text long text long text long text long text long text long text long text lon…"}',1.79599859967156195638e+09);
INSERT INTO "events" VALUES(1,4,'step_finished','{"v":1,"kind":"step_finished","run_id":"r01m8mxqjd8cy4fqq0n7f5xqc4","at":1795998599.6810672,"unit_key":"items[0]/summary#ae47094b80.f83a945a73","place":"items[0]/summary","agent":"summary","cached":false,"duration_ms":9.21081399974355,"tokens":328,"cost_usd":0.0,"preview":"answer 2 to Sum up: answer 1 to Answer: alpha éééééééééélong text long text long text long text long text long text lon…"}',1.7959985996812114716e+09);
INSERT INTO "events" VALUES(1,5,'step_finished','{"v":1,"kind":"step_finished","run_id":"r01m8mxqjd8cy4fqq0n7f5xqc4","at":1795998599.6821709,"unit_key":"items[1]/answer#8671ec537b.62557551fe","place":"items[1]/answer","agent":"answer","cached":false,"duration_ms":0.5827789991599275,"tokens":112,"cost_usd":0.0,"preview":"answer 3 to Answer: beta éééééééééélong text long text long text long text long text long text long text long text long…"}',1.79599859968226289747e+09);
INSERT INTO "events" VALUES(1,6,'step_finished','{"v":1,"kind":"step_finished","run_id":"r01m8mxqjd8cy4fqq0n7f5xqc4","at":1795998599.6833265,"unit_key":"items[1]/summary#ae47094b80.881b7beda4","place":"items[1]/summary","agent":"summary","cached":false,"duration_ms":0.8026460000110092,"tokens":224,"cost_usd":0.0,"preview":"stub: Sum up: answer 3 to Answer: beta éééééééééélong text long text long text long text long text long text long text …"}',1.79599859968340969085e+09);
INSERT INTO "events" VALUES(1,7,'run_finished','{"v":1,"kind":"run_finished","run_id":"r01m8mxqjd8cy4fqq0n7f5xqc4","at":1795998599.6837616,"status":"completed","tokens":777,"cost_usd":0.0,"steps":5,"cached_steps":0,"error":null}',1.7959985996838445663e+09);
INSERT INTO "events" VALUES(2,1,'run_started','{"v":1,"kind":"run_started","run_id":"r01m8mxqjgd16pgpbv5br9tsmk","at":1795998599.6941478,"workflow":"format2","resumed":false}',1.79599859969422698019e+09);
INSERT INTO "events" VALUES(2,2,'step_finished','{"v":1,"kind":"step_finished","run_id":"r01m8mxqjgd16pgpbv5br9tsmk","at":1795998599.6946454,"unit_key":"source/items#1e6c1fcd20.9a90d3ee4a","place":"source/items","agent":"items","cached":false,"duration_ms":0.0333500011038268,"tokens":0,"cost_usd":0.0,"preview":"[\"gamma\", \"delta\"]"}',1.79599859969473838808e+09);
INSERT INTO "events" VALUES(2,3,'step_finished','{"v":1,"kind":"step_finished","run_id":"r01m8mxqjgd16pgpbv5br9tsmk","at":1795998599.695661,"unit_key":"items[0]/answer#8671ec537b.84a458a952","place":"items[0]/answer","agent":"answer","cached":false,"duration_ms":0.5881870001758216,"tokens":113,"cost_usd":0.0,"preview":"answer 4 to Answer: gamma éééééééééélong text long text long text long text long text long text long text long text lon…"}',1.79599859969585299492e+09);
INSERT INTO "events" VALUES(2,4,'run_paused','{"v":1,"kind":"run_paused","run_id":"r01m8mxqjgd16pgpbv5br9tsmk","at":1795998599.6961544,"reason":"paused: the step limit (2) is reached"}',1.7959985996962180137e+09);
INSERT INTO "events" VALUES(2,5,'run_finished','{"v":1,"kind":"run_finished","run_id":"r01m8mxqjgd16pgpbv5br9tsmk","at":1795998599.6963797,"status":"paused","tokens":113,"cost_usd":0.0,"steps":2,"cached_steps":0,"error":"paused: the step limit (2) is reached"}',1.79599859969650816919e+09);
CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL UNIQUE,
            workflow_name TEXT NOT NULL,
            workflow_path TEXT NOT NULL,
            workflow_hash TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('running','completed','failed','paused','interrupted','waiting')),
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            params_json TEXT NOT NULL,
            result_json TEXT,
            error TEXT,
            tokens_in INTEGER NOT NULL DEFAULT 0,
            tokens_out INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            steps INTEGER NOT NULL DEFAULT 0,
            lease_owner TEXT,
            lease_expires REAL
        );
INSERT INTO "runs" VALUES(1,'r01m8mxqjd8cy4fqq0n7f5xqc4','format2','/tmp/tmpg_mk2j51/wf.yaml','12a65d194b36065c','completed',1.79599859959234094616e+09,1.79599859968360471727e+09,'{"input": "alpha\nbeta", "variables": {}, "max_steps": null, "max_tokens": null, "max_cost_usd": null, "timeout_s": null, "concurrency": null, "replay": null, "record": null, "session": null, "session_mark": null, "version": 1}','["answer 2 to Sum up: answer 1 to Answer: alpha éééééééééélong text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text  éééééééééélong text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text ", "stub: Sum up: answer 3 to Answer: beta éééééééééélong text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text "]',NULL,229,548,0.0,5,NULL,NULL);
INSERT INTO "runs" VALUES(2,'r01m8mxqjgd16pgpbv5br9tsmk','format2','/tmp/tmpg_mk2j51/wf.yaml','12a65d194b36065c','paused',1.79599859969322872164e+09,1.79599859969630837441e+09,'{"input": "gamma\ndelta", "variables": {}, "max_steps": 2, "max_tokens": null, "max_cost_usd": null, "timeout_s": null, "concurrency": null, "replay": null, "record": null, "session": null, "session_mark": null, "version": 1}',NULL,'paused: the step limit (2) is reached',4,109,0.0,2,NULL,NULL);
CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL);
INSERT INTO "schema_migrations" VALUES('0001_initial',1.79599859961874318116e+09);
INSERT INTO "schema_migrations" VALUES('0002_sessions',1.79599859962130522722e+09);
CREATE TABLE session_messages (
            session TEXT NOT NULL REFERENCES sessions(name) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            agent TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('user','assistant')),
            content TEXT NOT NULL,
            run_id TEXT NOT NULL,
            at REAL NOT NULL,
            PRIMARY KEY (session, seq)
        ) WITHOUT ROWID;
CREATE TABLE sessions (
            name TEXT PRIMARY KEY,
            workflow_name TEXT NOT NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        ) WITHOUT ROWID;
CREATE TABLE units (
            run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            unit_key TEXT NOT NULL,
            place TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('started','completed','failed')),
            input_hash TEXT NOT NULL,
            definition_hash TEXT NOT NULL,
            output_json TEXT,
            error TEXT,
            attempt INTEGER NOT NULL,
            tokens_in INTEGER NOT NULL,
            tokens_out INTEGER NOT NULL,
            cost_usd REAL NOT NULL,
            started_at REAL NOT NULL,
            finished_at REAL,
            duration_ms INTEGER
        );
INSERT INTO "units" VALUES(1,'source/items#1e6c1fcd20.9a90d3ee4a','source/items','completed','9a90d3ee4a00c7b0','1e6c1fcd20ca8661','["alpha", "beta"]',NULL,1,0,0,0.0,1.79599859966997718813e+09,1.7959985996703035832e+09,0);
INSERT INTO "units" VALUES(1,'items[0]/answer#8671ec537b.bb1af8abb3','items[0]/answer','completed','bb1af8abb3d2a28a','8671ec537b6c6dcd','"answer 1 to Answer: alpha éééééééééélong text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text "',NULL,1,4,109,0.0,1.79599859967060470579e+09,1.79599859967156195638e+09,0);
INSERT INTO "units" VALUES(1,'items[0]/summary#ae47094b80.f83a945a73','items[0]/summary','completed','f83a945a7306b5a3','ae47094b8017e99f','"answer 2 to Sum up: answer 1 to Answer: alpha éééééééééélong text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text  éééééééééélong text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text "',NULL,1,111,217,0.0,1795998599.67178,1.7959985996812114716e+09,9);
INSERT INTO "units" VALUES(1,'items[1]/answer#8671ec537b.62557551fe','items[1]/answer','completed','62557551fe2afc57','8671ec537b6c6dcd','"answer 3 to Answer: beta éééééééééélong text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text "',NULL,1,3,109,0.0,1.79599859968150019646e+09,1.79599859968226289747e+09,0);
INSERT INTO "units" VALUES(1,'items[1]/summary#ae47094b80.881b7beda4','items[1]/summary','completed','881b7beda40bffae','ae47094b8017e99f','"stub: Sum up: answer 3 to Answer: beta éééééééééélong text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text "',NULL,1,111,113,0.0,1.79599859968245911595e+09,1.79599859968340969085e+09,0);
INSERT INTO "units" VALUES(2,'source/items#1e6c1fcd20.9a90d3ee4a','source/items','completed','9a90d3ee4a00c7b0','1e6c1fcd20ca8661','["gamma", "delta"]',NULL,1,0,0,0.0,1.79599859969451236723e+09,1.79599859969473838808e+09,0);
INSERT INTO "units" VALUES(2,'items[0]/answer#8671ec537b.84a458a952','items[0]/answer','completed','84a458a952b13b0b','8671ec537b6c6dcd','"answer 4 to Answer: gamma éééééééééélong text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text long text "',NULL,1,4,109,0.0,1.79599859969499945633e+09,1.79599859969585299492e+09,0);
CREATE UNIQUE INDEX units_key ON units (run, unit_key);
CREATE UNIQUE INDEX calls_key ON calls (run, call_key);
CREATE UNIQUE INDEX events_seq ON events (run, seq);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('runs',2);
COMMIT;
