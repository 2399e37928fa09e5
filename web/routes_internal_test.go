package web

import "github.com/gin-gonic/gin"

// Routes lists the server's routes, so tests can check every one.
func Routes(s *Server) gin.RoutesInfo { return s.router.Routes() }
