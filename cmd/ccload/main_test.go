package main

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/internal/ccload"
	"github.com/telenet/contactcenter/internal/pgtest"
)

// TestMain makes the test binary a child when the command starts itself
// again (os.Executable is the test binary here).
func TestMain(m *testing.M) {
	if os.Getenv(ccload.ChildEnv) != "" {
		if err := ccload.ChildMain(os.Stdin, os.Stdout); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 0, loadMain([]string{"-h"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "-mode")
	assert.NotContains(t, errOut.String(), ccload.ChildEnv, "the child's variable is not a flag")
	for _, args := range [][]string{
		{"-mode", "fast"},
		{"-processes", "-1"},
		{"-mode", "kill", "-processes", "1"},
		{"-mode", "kill", "-duration", "2s", "-kill-after", "3s"},
		{"extra"},
	} {
		errOut.Reset()
		assert.Equal(t, 2, loadMain(args, &out, &errOut), "%v", args)
		assert.NotEmpty(t, errOut.String(), "%v: a message says why", args)
	}
}

// One short round of -mode compare, end to end: the schema, the children
// (this test binary again), the three runs, the checks and the JSON.
func TestCompareRound(t *testing.T) {
	dsn := pgtest.Require(t)
	var out, errOut bytes.Buffer
	status := loadMain([]string{"-dsn", dsn, "-mode", "compare", "-rounds", "1", "-warmup", "0", "-duration", "1s",
		"-writers", "2", "-contacts", "2", "-json"}, &out, &errOut)
	require.Equal(t, 0, status, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	var got struct {
		Rounds []struct {
			Engine1, Engine2, Bare2 ccload.Result
		}
		Ratios struct {
			E2OverE1 struct{ Min, Median, Max float64 } `json:"engine2_over_engine1"`
		}
		Problems []string
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &got), out.String())
	require.Len(t, got.Rounds, 1)
	rd := got.Rounds[0]
	for _, r := range []ccload.Result{rd.Engine1, rd.Engine2, rd.Bare2} {
		assert.Positive(t, r.Stored, "%s×%d stored messages", r.Mode, r.Processes)
		assert.Positive(t, r.MsgsPerSec)
	}
	assert.Equal(t, 1, rd.Engine1.Processes)
	assert.Equal(t, 2, rd.Engine2.Processes)
	require.NotNil(t, rd.Engine2.Analysis)
	assert.Equal(t, rd.Engine2.Stored, rd.Engine2.Analysis.Events, "one message.received per message, nothing else")
	sum := 0
	for _, n := range rd.Engine2.Analysis.PublishedBy {
		sum += n
	}
	assert.Equal(t, rd.Engine2.Analysis.Events, sum, "each event first published by one process or the other")
	assert.Nil(t, rd.Bare2.Analysis, "a bare run publishes nothing")
	assert.InDelta(t, rd.Engine2.MsgsPerSec/rd.Engine1.MsgsPerSec, got.Ratios.E2OverE1.Median, 1e-9)
	assert.Empty(t, got.Problems)
}
