package restsvc

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// PathOpenAPI is where the server serves OpenAPI.
const PathOpenAPI = "/v1/openapi.yaml"

// OpenAPI is the OpenAPI 3.1 description of the REST service, the REST
// twin of proto/: what a REST team writes its clients from. TestOpenAPI
// checks the running server against it.
//
//go:embed openapi.yaml
var OpenAPI []byte

func serveOpenAPI(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", OpenAPI) }
