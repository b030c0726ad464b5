package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// A seedRow is a row of the seed table and the transports that answer it.
type seedRow struct {
	Name string
	Slug string // the row's key in testdata/seed.txt
	// Families are the transport name families that measure the row: a
	// transport's family is its name up to the first '-', so "zmq-ipc"
	// and "sysvshm-spin" land here without a change to the renderer.
	Families []string
	// Note says what ipcsuite measures where it differs from the seed.
	Note string
}

// seedRows are the seed's rows in the seed's order.
var seedRows = []seedRow{
	{"Unix Signals", "signals", []string{"signal", "signals", "sig"},
		"the seed's row is published as --broken--, without a figure"},
	{"ZeroMQ (TCP)", "zeromq-tcp", []string{"zmq", "zeromq"}, ""},
	{"Internet sockets (TCP)", "inet-tcp", []string{"tcp"}, ""},
	{"Domain sockets", "domain", []string{"unix"}, "one sub-row per socket type"},
	{"Pipes", "pipes", []string{"pipe"},
		"the reply travels back over a second pipe with the full payload; the seed's row replies by signal"},
	{"Message Queues", "mq", []string{"sysvmsg", "posixmq"}, "SysV and POSIX queues"},
	{"FIFOs (named pipes)", "fifos", []string{"fifo"},
		"the reply travels back over a second FIFO with the full payload; the seed's row replies by signal"},
	{"Shared Memory", "shm", []string{"sysvshm", "posixshm"},
		"one sub-row per wait: -spin busy-waits on both ends, the others sleep in the kernel"},
	{"Memory-Mapped Files", "mmap", []string{"mmap"},
		"one sub-row per wait: -spin busy-waits on both ends, the others sleep in the kernel"},
}

// otherRows names the group of transports that answer no seed row.
const otherRows = "Other rows"

// family is a transport's name up to its first '-'.
func family(transport string) string {
	f, _, _ := strings.Cut(transport, "-")
	return f
}

// A group is one seed row, or the other rows, with the transports of the
// run that measure it.
type group struct {
	Row        string   `json:"row"`
	Seed       *seedRow `json:"-"` // nil for the other rows
	Transports []string `json:"transports"`
	Note       string   `json:"note,omitempty"`
}

// groups sorts transports into the seed's rows, in the seed's order, and
// the rest into the other rows. Within a row, transports follow the
// order of the row's families, then their names.
func groups(transports []string) []group {
	var out []group
	placed := map[string]bool{}
	for i := range seedRows {
		sr := &seedRows[i]
		g := group{Row: sr.Name, Seed: sr, Note: sr.Note, Transports: []string{}}
		for _, fam := range sr.Families {
			for _, tr := range transports {
				if family(tr) == fam && !placed[tr] {
					g.Transports = append(g.Transports, tr)
					placed[tr] = true
				}
			}
		}
		out = append(out, g)
	}
	rest := group{Row: otherRows, Transports: []string{}}
	for _, tr := range transports {
		if !placed[tr] {
			rest.Transports = append(rest.Transports, tr)
		}
	}
	slices.Sort(rest.Transports)
	return append(out, rest)
}

//go:embed testdata/seed.txt
var seedText []byte

// A seedTable holds the seed's published figures and its machine.
type seedTable struct {
	Figures map[string]map[int]float64 // slug, size: msg/s
	Machine string
}

// loadSeed reads the seed's figures, benchfmt text like any run.
func loadSeed(name string, data []byte) (*seedTable, error) {
	st := &seedTable{Figures: map[string]map[int]float64{}}
	var cpu, os string
	rd := benchfmt.NewReader(bytes.NewReader(data), name)
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, rec
		case *benchfmt.Result:
			cpu = strings.TrimSpace(string(rec.GetConfig("cpu")))
			os = strings.TrimSpace(string(rec.GetConfig("os")))
			_, parts := rec.Name.Parts()
			var slug string
			size := noSize
			for _, p := range parts {
				k, v, _ := strings.Cut(strings.TrimPrefix(string(p), "/"), "=")
				switch k {
				case "row":
					slug = v
				case "size":
					size, _ = strconv.Atoi(v)
				}
			}
			v, ok := rec.Value(rateUnit)
			if slug == "" || size <= 0 || !ok {
				_, line := rec.Pos()
				return nil, fmt.Errorf("%s:%d: want row=, size= and a %s value", name, line, rateUnit)
			}
			if st.Figures[slug] == nil {
				st.Figures[slug] = map[int]float64{}
			}
			st.Figures[slug][size] = v
		}
	}
	if err := rd.Err(); err != nil {
		return nil, err
	}
	st.Machine = strings.TrimSpace(cpu + ", " + os)
	return st, nil
}

// figure is the seed's msg/s for row at size, or 0.
func (st *seedTable) figure(sr *seedRow, size int) float64 {
	if st == nil || sr == nil {
		return 0
	}
	return st.Figures[sr.Slug][size]
}
