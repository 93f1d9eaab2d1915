package server_test

import (
	"testing"

	"github.com/sirupsen/logrus"
)

func TestLoggingRoutes(t *testing.T) {
	st := newStack(t)
	s := st.open
	level := func(name string) string { return `{"loglevel":{"glusterfs":"` + name + `"}}` + "\n" }

	st.openLog.SetLevel(logrus.InfoLevel)
	got := call(s, "GET", "/internal/logging", "", "", "")
	if got.status != 200 || got.body != level("info") || got.header.Get("Content-Type") != "application/json; charset=UTF-8" {
		t.Fatalf("expected 200 %q as JSON, got %d %q %q", level("info"), got.status, got.body, got.header.Get("Content-Type"))
	}

	for _, tc := range []struct {
		name  string
		level logrus.Level
	}{
		{"debug", logrus.DebugLevel},
		{"none", logrus.PanicLevel},
		{"critical", logrus.FatalLevel},
		{"error", logrus.ErrorLevel},
		{"warning", logrus.WarnLevel},
		{"info", logrus.InfoLevel},
	} {
		got := call(s, "POST", "/internal/logging", "", `{"loglevel":{"glusterfs":"`+tc.name+`"}}`, "")
		if got.status != 200 || got.body != level(tc.name) {
			t.Errorf("POST %s: expected 200 %q, got %d %q", tc.name, level(tc.name), got.status, got.body)
		}
		if l := st.openLog.GetLevel(); l != tc.level {
			t.Errorf("POST %s: expected logger level %v, got %v", tc.name, tc.level, l)
		}
		if got := call(s, "GET", "/internal/logging", "", "", ""); got.body != level(tc.name) {
			t.Errorf("GET after %s: expected %q, got %q", tc.name, level(tc.name), got.body)
		}
	}
	if l := st.authLog.GetLevel(); l != logrus.InfoLevel {
		t.Errorf("expected the other server's logger untouched at info, got %v", l)
	}

	st.openLog.SetLevel(logrus.TraceLevel)
	if got := call(s, "GET", "/internal/logging", "", "", ""); got.body != level("debug") {
		t.Errorf("expected trace to read as debug, got %q", got.body)
	}
	st.openLog.SetLevel(logrus.InfoLevel)

	errors := []struct {
		body   string
		status int
		want   string
	}{
		{``, 400, "request unable to be parsed: unexpected end of JSON input\n"},
		{`{"loglevel":`, 400, "request unable to be parsed: unexpected end of JSON input\n"},
		{`{"loglevel":{"glusterfs":3}}`, 400, "request unable to be parsed: json: cannot unmarshal number into Go struct field LogLevelInfo.loglevel of type string\n"},
		{`{}`, 422, "Only \"glusterfs\" logger may be modified\n"},
		{`{"loglevel":{}}`, 422, "Only \"glusterfs\" logger may be modified\n"},
		{`{"loglevel":{"heketi":"debug"}}`, 422, "Only \"glusterfs\" logger may be modified\n"},
		{`{"loglevel":{"GlusterFS":"debug"}}`, 422, "Only \"glusterfs\" logger may be modified\n"},
		{`{"loglevel":{"glusterfs":"verbose"}}`, 422, "invalid log level: verbose\n"},
		{`{"loglevel":{"glusterfs":"DEBUG"}}`, 422, "invalid log level: DEBUG\n"},
		{`{"loglevel":{"glusterfs":""}}`, 422, "invalid log level: \n"},
	}
	for _, e := range errors {
		if got := call(s, "POST", "/internal/logging", "", e.body, ""); got.status != e.status || got.body != e.want {
			t.Errorf("POST %s: expected %d %q, got %d %q", e.body, e.status, e.want, got.status, got.body)
		}
	}
	if l := st.openLog.GetLevel(); l != logrus.InfoLevel {
		t.Errorf("expected failed requests to leave the level at info, got %v", l)
	}
}
