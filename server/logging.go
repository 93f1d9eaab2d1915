package server

import (
	"net/http"

	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/server/middleware"
)

// glusterfsLogger is the only logger name Heketi lets clients change; in
// Basalt it is the server's whole logger.
const glusterfsLogger = "glusterfs"

// loggingRoutes are GET and POST /internal/logging: read and change the log
// level at run time, as {"loglevel":{"glusterfs":"<level>"}}.
func (s *Server) loggingRoutes() []Route {
	return []Route{
		s.route("GET", "/internal/logging", "log level get", s.logLevelGet),
		s.route("POST", "/internal/logging", "log level set", s.logLevelSet),
	}
}

// Heketi's level names, from quietest to loudest, and their logrus levels.
var logLevels = []struct {
	name  string
	level logrus.Level
}{
	{"none", logrus.PanicLevel},
	{"critical", logrus.FatalLevel},
	{"error", logrus.ErrorLevel},
	{"warning", logrus.WarnLevel},
	{"info", logrus.InfoLevel},
	{"debug", logrus.DebugLevel},
}

// levelName maps a logrus level back to Heketi's name; trace counts as debug.
func levelName(l logrus.Level) string {
	for _, e := range logLevels {
		if e.level == l {
			return e.name
		}
	}
	if l > logrus.DebugLevel {
		return "debug"
	}
	return "none"
}

func (s *Server) logLevelInfo() *api.LogLevelInfo {
	return &api.LogLevelInfo{LogLevel: map[string]string{glusterfsLogger: levelName(s.log.Logger.GetLevel())}}
}

func (s *Server) logLevelGet(r *http.Request) (*reply, error) {
	return &reply{body: s.logLevelInfo()}, nil
}

func (s *Server) logLevelSet(r *http.Request) (*reply, error) {
	var req api.LogLevelInfo
	if err := decodeWithDetail(r, &req); err != nil {
		return nil, err
	}
	name, ok := req.LogLevel[glusterfsLogger]
	if !ok {
		return nil, errs.New(errs.Unparsable, `Only "glusterfs" logger may be modified`)
	}
	for _, e := range logLevels {
		if e.name == name {
			old := levelName(s.log.Logger.GetLevel())
			s.log.Logger.SetLevel(e.level)
			// Logged at warning so that it shows unless logging is (now) off.
			s.log.WithFields(logrus.Fields{
				"request_id": middleware.RequestID(r.Context()),
				"from":       old,
				"to":         name,
			}).Warn("log level changed")
			return &reply{body: s.logLevelInfo()}, nil
		}
	}
	return nil, errs.Newf(errs.Unparsable, "invalid log level: %s", name)
}
