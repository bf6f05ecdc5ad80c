// compose-check validates a Compose file the way `docker compose config` does, without a Docker
// engine: it loads the file with compose-go (the library Docker Compose itself uses), which
// validates it against the Compose Specification JSON schema, resolves anchors, merges and
// interpolation, and checks references between services, volumes and networks.
//
//	go run ./infra/compose-check docker-compose.yml [.env]
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

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check <compose file> [env file]")
		os.Exit(2)
	}
	file, err := filepath.Abs(os.Args[1])
	if err != nil {
		fail(err)
	}
	opts := []cli.ProjectOptionsFn{
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithName("akaso-burger"),
		cli.WithOsEnv,
		cli.WithDotEnv,
	}
	if len(os.Args) > 2 {
		opts = append(opts, cli.WithEnvFiles(os.Args[2]), cli.WithDotEnv)
	}
	options, err := cli.NewProjectOptions([]string{file}, opts...)
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
