// Package middleware holds the HTTP middleware of the Basalt server: request
// ids and logging, panic recovery, and (later) JWT, the admin-mode gate and the
// throttle. Each is a negroni.Handler or a plain http.Handler wrapper.
package middleware

import (
	"context"
	"net/http"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/urfave/negroni"

	"github.com/basalt-storage/basalt/internal/idgen"
)

type ctxKey int

const requestIDKey ctxKey = 1

// RequestIDHeader carries the request id to and from clients.
const RequestIDHeader = "X-Request-Id"

// RequestID returns the id of the request carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// RequestLog gives every request an id (the client's X-Request-Id if it sent a
// sane one, else a new one), echoes it in the response, and logs one line per
// request: 5xx at error, 4xx at debug (STYLE rule 12), the rest at info except
// queue polls, which are at debug because clients poll often.
type RequestLog struct {
	Log *logrus.Entry
}

// ServeHTTP implements negroni.Handler.
func (l RequestLog) ServeHTTP(w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
	start := time.Now()
	id := r.Header.Get(RequestIDHeader)
	if len(id) == 0 || len(id) > 64 {
		id = idgen.New()
	}
	w.Header().Set(RequestIDHeader, id)
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
	next(w, r)

	status := 0
	if rw, ok := w.(negroni.ResponseWriter); ok {
		status = rw.Status()
	}
	entry := l.Log.WithFields(logrus.Fields{
		"request_id": id,
		"method":     r.Method,
		"path":       r.URL.Path,
		"status":     status,
		"duration":   time.Since(start).String(),
		"remote":     r.RemoteAddr,
	})
	switch {
	case status >= 500:
		entry.Error("request failed")
	case status >= 400:
		entry.Debug("request rejected")
	case len(r.URL.Path) > 7 && r.URL.Path[:7] == "/queue/":
		entry.Debug("request")
	default:
		entry.Info("request")
	}
}

// Recovery turns a panic in a handler into a 500 and logs it with its stack,
// so one bad request cannot stop the server.
func Recovery(log *logrus.Entry) negroni.Handler {
	rec := negroni.NewRecovery()
	rec.PrintStack = false
	rec.Logger = panicLogger{log}
	return rec
}

type panicLogger struct{ log *logrus.Entry }

func (p panicLogger) Printf(format string, v ...interface{}) { p.log.Errorf(format, v...) }
func (p panicLogger) Println(v ...interface{})               { p.log.Error(v...) }
