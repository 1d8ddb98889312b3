package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// errHelp is -h: usage was printed, exit 0.
var errHelp = flag.ErrHelp

// flags is a flag.FlagSet whose flags may also come from environment
// variables (the flag wins), and whose positional arguments may stand
// before, between or after the flags ("party add ID --name N").
type flags struct {
	fs     *flag.FlagSet
	getenv func(string) string
	args   string // positional arguments, for the usage line
	envErr error  // first environment value that did not parse
}

func newFlags(e *env, name, args string) *flags {
	fs := flag.NewFlagSet("deconflict "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports errors itself
	f := &flags{fs: fs, getenv: e.getenv, args: args}
	return f
}

// help describes an env variable in a flag's usage.
func envHelp(usage, envName string) string {
	if envName == "" {
		return usage
	}
	return usage + " (env " + envName + ")"
}

func (f *flags) lookup(envName string) (string, bool) {
	if envName == "" || f.getenv == nil {
		return "", false
	}
	v := f.getenv(envName)
	return v, v != ""
}

func (f *flags) envFault(envName, v string, err error) {
	if f.envErr == nil {
		f.envErr = usagef("environment %s=%q: %v", envName, v, err)
	}
}

func (f *flags) String(name, envName, def, usage string) *string {
	if v, ok := f.lookup(envName); ok {
		def = v
	}
	return f.fs.String(name, def, envHelp(usage, envName))
}

func (f *flags) Bool(name, envName string, def bool, usage string) *bool {
	if v, ok := f.lookup(envName); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.envFault(envName, v, err)
		}
		def = b
	}
	return f.fs.Bool(name, def, envHelp(usage, envName))
}

func (f *flags) Int(name, envName string, def int, usage string) *int {
	if v, ok := f.lookup(envName); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.envFault(envName, v, err)
		}
		def = n
	}
	return f.fs.Int(name, def, envHelp(usage, envName))
}

func (f *flags) Int64(name, envName string, def int64, usage string) *int64 {
	if v, ok := f.lookup(envName); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			f.envFault(envName, v, err)
		}
		def = n
	}
	return f.fs.Int64(name, def, envHelp(usage, envName))
}

func (f *flags) Float(name, envName string, def float64, usage string) *float64 {
	if v, ok := f.lookup(envName); ok {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			f.envFault(envName, v, err)
		}
		def = x
	}
	return f.fs.Float64(name, def, envHelp(usage, envName))
}

func (f *flags) Duration(name, envName string, def time.Duration, usage string) *time.Duration {
	if v, ok := f.lookup(envName); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.envFault(envName, v, err)
		}
		def = d
	}
	return f.fs.Duration(name, def, envHelp(usage, envName))
}

// parse parses args, flags and positional arguments in any order ("--"
// ends the flags), and returns the positional ones. want is the number of
// positional arguments required, or -1 for any number.
func (f *flags) parse(e *env, args []string, want int) ([]string, error) {
	if f.envErr != nil {
		return nil, f.envErr
	}
	var pos []string
	for {
		if err := f.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.usage(e.stdout)
				return nil, errHelp
			}
			return nil, usagef("%v (deconflict %s -h lists the flags)", err, strings.TrimPrefix(f.fs.Name(), "deconflict "))
		}
		rest := f.fs.Args()
		if len(rest) == 0 {
			break
		}
		// flag stops at "--" or at the first positional argument; tell which.
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if want >= 0 && len(pos) != want {
		if len(pos) < want {
			return nil, usagef("%s: missing argument (usage: %s %s)", f.fs.Name(), f.fs.Name(), f.args)
		}
		return nil, usagef("%s: unexpected argument %q (usage: %s %s)", f.fs.Name(), pos[want], f.fs.Name(), f.args)
	}
	return pos, nil
}

func (f *flags) usage(w io.Writer) {
	args := f.args
	if args != "" {
		args += " "
	}
	fmt.Fprintf(w, "usage: %s %s[flags]\n\nflags:\n", f.fs.Name(), args)
	f.fs.SetOutput(w)
	f.fs.PrintDefaults()
	f.fs.SetOutput(io.Discard)
}

// list splits a comma-separated flag value, dropping empty items.
func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
