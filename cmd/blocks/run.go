package main

import (
	"errors"
	"io"
)

func runRun(args []string, stdout io.Writer) error { return errors.New("run: not implemented yet") }
