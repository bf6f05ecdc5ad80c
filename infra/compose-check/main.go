// compose-check validates a Compose file the way `docker compose config` does, without a Docker
// engine: it loads the file with compose-go (the library Docker Compose itself uses), which
// validates it against the Compose Specification JSON schema, resolves anchors, merges and
// interpolation, and checks references between services, volumes and networks.
//
//	go run ./infra/compose-check docker-compose.yml[,override.yml…] [.env]
//
// On success it prints the normalized model as JSON (for the consistency tests); on failure it
// prints the reason and exits 1.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check <compose file>[,<override file>...] [env file]")
		os.Exit(2)
	}
	// Several files, comma-separated, are merged in order as `docker compose -f a -f b` does.
	var files []string
	for _, f := range strings.Split(os.Args[1], ",") {
		abs, err := filepath.Abs(f)
		if err != nil {
			fail(err)
		}
		files = append(files, abs)
	}
	opts := []cli.ProjectOptionsFn{
		cli.WithWorkingDirectory(filepath.Dir(files[0])),
		cli.WithName("akaso-burger"),
		cli.WithOsEnv,
		cli.WithDotEnv,
	}
	if len(os.Args) > 2 {
		opts = append(opts, cli.WithEnvFiles(os.Args[2]), cli.WithDotEnv)
	}
	options, err := cli.NewProjectOptions(files, opts...)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := json.MarshalIndent(project, "", "  ")
	if err != nil {
		fail(err)
	}
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "invalid compose file:", err)
	os.Exit(1)
}
