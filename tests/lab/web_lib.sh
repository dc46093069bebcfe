# web_lib.sh: shared by the dashboard tests (sourced after lib.sh). A lab with the
# collector serving the dashboard on 127.0.0.1:8383 inside the lab's host namespace, over
# a database planted with hostile rows (tests/lab/web_plant.sql). curl and chromium run
# inside that namespace too: nothing touches the host's own loopback.

WEB=127.0.0.1:8383

# web_up [extra INI lines...]: lab, config, collector, planted rows.
web_up() {
	lab_require curl python3
	lab_up
	lab_config "[web]" "listen = $WEB" "$@"
	lab_collect
	"$DBSQL" "$LAB_DB" < "$OCA_SRCDIR/tests/lab/web_plant.sql"
}

# hc [curl args...]: status code; the body goes to $LAB_DIR/body, headers to $LAB_DIR/hdr.
hc() {
	in_host curl -s -o "$LAB_DIR/body" -D "$LAB_DIR/hdr" -w '%{http_code}' --max-time 5 "$@" ||
		true
}

# body_has TEXT: the last body holds TEXT (fixed string).
body_has() { grep -qF -- "$1" "$LAB_DIR/body" && echo yes || echo no; }

# hdr NAME: the value of a header of the last answer.
hdr() { grep -i "^$1:" "$LAB_DIR/hdr" | head -1 | cut -d: -f2- | sed 's/^ //; s/\r$//'; }

# jq_py EXPR: evaluate a Python expression over the last body parsed as JSON (as j).
jq_py() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$LAB_DIR/body" "$1" 2>&1
}
