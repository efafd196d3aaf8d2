// Package faultstore wraps any store.Store so that chosen or random calls
// fail, for tests of what the engine (or a host) does when the database
// goes away: the memory and SQL stores never fail on their own in a test,
// and a real outage is hard to aim.
//
// A Rule names a call — a method of store.Store or of the store.Tx it hands
// out, or of their optional capabilities — and when it fails: Before the call reaches the wrapped store,
// AtCommit (the transaction's function ran, then the commit failed and
// nothing was written), or After the call completed. After on Update is
// the fault a connection dropped during COMMIT produces: the transaction
// committed, and the caller gets an error and cannot tell. A rule fails the
// next N matching calls, or each with a probability drawn from a seeded
// math/rand/v2 source, so a failing run can be repeated.
//
// The injected error matches ErrInjected and is no sentinel of the store
// contract: like a lost connection, the engine reports it with
// contactcenter.CodeUnavailable (R19). The Store counts the faults it
// injected and keeps what each one hit, so that a test can bound what a
// fault may cause (a message sent twice after a recording that looked
// failed) by the faults that could cause it (R18).
//
// The wrapper keeps what the wrapped store can do, so that the engine takes
// the path it takes without it: its transactions have store.InboundLookup
// and store.Workloads exactly where the wrapped ones have them, and its
// NextTimer answers errors.ErrUnsupported over a store that is no
// store.TimerPeeker.
package faultstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
)

// ErrInjected is matched (errors.Is) by the error of every injected fault
// whose Rule sets no Err of its own.
var ErrInjected = errors.New("connection lost (injected fault)")

// ErrInvalidRule is matched by the error of Add for a rule it cannot apply.
var ErrInvalidRule = errors.New("faultstore: invalid rule")

// errNoPeeker answers NextTimer over a store that is no store.TimerPeeker.
var errNoPeeker = fmt.Errorf("faultstore: the wrapped store does not know its next timer: %w", errors.ErrUnsupported)

// Op names a call a Rule can fail. The values are the method names, those
// of store.Tx prefixed with "Tx.".
type Op string

// Calls of store.Store and of its optional capability store.TimerPeeker.
const (
	OpUpdate      Op = "Update"
	OpView        Op = "View"
	OpDrainEvents Op = "DrainEvents"
	OpClaimTimers Op = "ClaimTimers"
	OpNextTimer   Op = "NextTimer"
)

// OpTx matches every call of a Tx, each of the ones below.
const OpTx Op = "Tx"

// Calls of store.Tx and of its optional capabilities store.InboundLookup
// and store.Workloads, one per method.
const (
	OpTxLookupInbound       Op = "Tx.LookupInbound"
	OpTxContact             Op = "Tx.Contact"
	OpTxContactByExternalID Op = "Tx.ContactByExternalID"
	OpTxCreateContact       Op = "Tx.CreateContact"
	OpTxAddContactIdentity  Op = "Tx.AddContactIdentity"
	OpTxMergeContacts       Op = "Tx.MergeContacts"
	OpTxUpdateContact       Op = "Tx.UpdateContact"
	OpTxEraseContact        Op = "Tx.EraseContact"
	OpTxSearchContacts      Op = "Tx.SearchContacts"
	OpTxNextTicketNumber    Op = "Tx.NextTicketNumber"
	OpTxTicket              Op = "Tx.Ticket"
	OpTxTicketByNumber      Op = "Tx.TicketByNumber"
	OpTxOpenTickets         Op = "Tx.OpenTickets"
	OpTxContactTickets      Op = "Tx.ContactTickets"
	OpTxCreateTicket        Op = "Tx.CreateTicket"
	OpTxUpdateTicket        Op = "Tx.UpdateTicket"
	OpTxConversation        Op = "Tx.Conversation"
	OpTxOpenConversation    Op = "Tx.OpenConversation"
	OpTxLatestConversation  Op = "Tx.LatestConversation"
	OpTxTicketConversation  Op = "Tx.TicketConversation"
	OpTxConversations       Op = "Tx.Conversations"
	OpTxTicketConversations Op = "Tx.TicketConversations"
	OpTxQueue               Op = "Tx.Queue"
	OpTxCreateConversation  Op = "Tx.CreateConversation"
	OpTxUpdateConversation  Op = "Tx.UpdateConversation"
	OpTxMessage             Op = "Tx.Message"
	OpTxMessageByExternalID Op = "Tx.MessageByExternalID"
	OpTxMessages            Op = "Tx.Messages"
	OpTxMessagesPage        Op = "Tx.MessagesPage"
	OpTxCreateMessage       Op = "Tx.CreateMessage"
	OpTxUpdateMessage       Op = "Tx.UpdateMessage"
	OpTxPendingMessages     Op = "Tx.PendingMessages"
	OpTxFirstPending        Op = "Tx.FirstPending"
	OpTxAgent               Op = "Tx.Agent"
	OpTxPutAgent            Op = "Tx.PutAgent"
	OpTxAgents              Op = "Tx.Agents"
	OpTxWorkload            Op = "Tx.Workload"
	OpTxAssignedTo          Op = "Tx.AssignedTo"
	OpTxTeam                Op = "Tx.Team"
	OpTxPutTeam             Op = "Tx.PutTeam"
	OpTxAppendEvent         Op = "Tx.AppendEvent"
	OpTxCreateRejection     Op = "Tx.CreateRejection"
	OpTxRejection           Op = "Tx.Rejection"
	OpTxRejections          Op = "Tx.Rejections"
	OpTxSetTimer            Op = "Tx.SetTimer"
	OpTxDeleteTimer         Op = "Tx.DeleteTimer"
	OpTxDeleteTimerAt       Op = "Tx.DeleteTimerAt"
	OpTxTimer               Op = "Tx.Timer"
	OpTxConfigRevision      Op = "Tx.ConfigRevision"
	OpTxConfig              Op = "Tx.Config"
	OpTxConfigs             Op = "Tx.Configs"
	OpTxPutConfig           Op = "Tx.PutConfig"
	OpTxDeleteConfig        Op = "Tx.DeleteConfig"
	OpTxCreateWorkflowRun   Op = "Tx.CreateWorkflowRun"
	OpTxUpdateWorkflowRun   Op = "Tx.UpdateWorkflowRun"
	OpTxWorkflowRun         Op = "Tx.WorkflowRun"
	OpTxWorkflowRuns        Op = "Tx.WorkflowRuns"
)

// txOps are the Ops of store.Tx, for validation.
var txOps = []Op{
	OpTxLookupInbound, OpTxContact, OpTxContactByExternalID, OpTxCreateContact, OpTxAddContactIdentity, OpTxMergeContacts, OpTxUpdateContact,
	OpTxEraseContact, OpTxSearchContacts, OpTxNextTicketNumber, OpTxTicket, OpTxTicketByNumber, OpTxOpenTickets, OpTxContactTickets, OpTxCreateTicket, OpTxUpdateTicket,
	OpTxConversation, OpTxOpenConversation, OpTxLatestConversation, OpTxTicketConversation, OpTxQueue, OpTxConversations, OpTxTicketConversations,
	OpTxCreateConversation, OpTxUpdateConversation, OpTxMessage, OpTxMessageByExternalID, OpTxMessages, OpTxMessagesPage,
	OpTxCreateMessage, OpTxUpdateMessage, OpTxPendingMessages, OpTxFirstPending, OpTxAgent, OpTxPutAgent,
	OpTxAgents, OpTxWorkload, OpTxAssignedTo, OpTxTeam, OpTxPutTeam, OpTxAppendEvent, OpTxCreateRejection,
	OpTxRejection, OpTxRejections, OpTxSetTimer, OpTxDeleteTimer, OpTxDeleteTimerAt, OpTxTimer,
	OpTxConfigRevision, OpTxConfig, OpTxConfigs, OpTxPutConfig, OpTxDeleteConfig,
	OpTxCreateWorkflowRun, OpTxUpdateWorkflowRun, OpTxWorkflowRun, OpTxWorkflowRuns,
}

// When is the moment of a call at which a fault strikes.
type When int

// Moments of a fault. Every rule names one; there is no default.
const (
	// Before: the call fails without reaching the wrapped store (a
	// connection refused, or lost before the statement was sent).
	Before When = iota + 1
	// AtCommit: for Update and DrainEvents only. The function passed in
	// runs, then the commit fails: nothing it wrote remains (for
	// DrainEvents: the events it published stay stored and come again).
	AtCommit
	// After: the call completes on the wrapped store, then its result is
	// replaced by the error. For Update the transaction has committed; for
	// DrainEvents the published events are forgotten; for ClaimTimers the
	// timers are claimed and come due again when their lease ends. A call
	// that fails on its own is left alone.
	After
)

func (w When) String() string {
	switch w {
	case Before:
		return "before the call"
	case AtCommit:
		return "at commit"
	case After:
		return "after the call"
	}
	return fmt.Sprintf("When(%d)", int(w))
}

// allowed says at which moments each Store call can fail; Tx calls can
// fail Before and After.
var allowed = map[Op][]When{
	OpUpdate:      {Before, AtCommit, After},
	OpView:        {Before, After},
	OpDrainEvents: {Before, AtCommit, After},
	OpClaimTimers: {Before, After},
	OpNextTimer:   {Before, After},
}

// Rule says which calls fail.
type Rule struct {
	// Op is the call that fails; OpTx matches every Tx call.
	Op Op
	// When is the moment of the fault. Required.
	When When
	// Next, if positive, is how many faults the rule injects before it is
	// spent; 0 means no bound.
	Next int
	// Probability is the chance that a matching call fails, in (0, 1]. 0
	// means 1 when Next is set: the next Next matching calls fail. A rule
	// needs Next or Probability.
	Probability float64
	// Match, if set, limits the rule to the calls it accepts. It runs under
	// the Store's lock and must not call the Store.
	Match func(Call) bool
	// Err is the error the call returns. Default: an error that matches
	// ErrInjected and names the call.
	Err error
}

// Call is a call to the store as a Rule's Match and a Fault see it.
type Call struct {
	Op Op
	// Tx are the calls the transaction made before this moment, oldest
	// first: for a Tx call, the earlier calls of its transaction; for
	// Update and View at AtCommit or After, every call of the function.
	// Nil for the other Store calls.
	Tx []TxCall
}

// TxCall is one call of a Tx.
type TxCall struct {
	Op Op
	// Args are the call's arguments after the context, as passed.
	Args []any
	// Err is what the call returned, the injected fault included; nil
	// while the call runs.
	Err error
}

// Wrote reports whether the calls include a CreateMessage or
// UpdateMessage of a message for which ok returns true. A test finds with
// it, among the faults, the transactions that recorded a delivery.
func (c Call) Wrote(ok func(conversation.Message) bool) bool {
	for _, tc := range c.Tx {
		if tc.Op != OpTxCreateMessage && tc.Op != OpTxUpdateMessage || len(tc.Args) == 0 {
			continue
		}
		if m, isMsg := tc.Args[0].(conversation.Message); isMsg && ok(m) {
			return true
		}
	}
	return false
}

// Fault is one injected fault.
type Fault struct {
	Call
	When When
	Err  error
}

// Store is a store.Store that passes every call to the store it wraps and
// fails the calls its rules pick. It is safe for concurrent use.
type Store struct {
	inner store.Store

	mu     sync.Mutex
	rng    *rand.Rand
	rules  []*rule
	faults []Fault
}

type rule struct {
	Rule
	p    float64
	left int // faults left; -1: no bound
}

// New returns a Store over inner with no rule: it fails nothing until Add.
// Probabilities are drawn from a PCG source seeded with seed; runs with one
// seed and the same sequence of calls fail the same calls.
func New(inner store.Store, seed uint64) *Store {
	return &Store{inner: inner, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Unwrap returns the wrapped store.
func (s *Store) Unwrap() store.Store { return s.inner }

// Add adds a rule. Rules are tried in the order they were added; the first
// that fires decides the call's fault. It fails with ErrInvalidRule for an
// unknown Op, a missing or impossible When, or a rule with neither Next nor
// a Probability in (0, 1].
func (s *Store) Add(r Rule) error {
	if err := check(&r); err != nil {
		return err
	}
	nr := &rule{Rule: r, p: r.Probability, left: -1}
	if nr.p == 0 {
		nr.p = 1
	}
	if r.Next > 0 {
		nr.left = r.Next
	}
	s.mu.Lock()
	s.rules = append(s.rules, nr)
	s.mu.Unlock()
	return nil
}

func check(r *Rule) error {
	whens, ok := allowed[r.Op]
	if !ok && (r.Op == OpTx || slices.Contains(txOps, r.Op)) {
		whens, ok = []When{Before, After}, true
	}
	switch {
	case !ok:
		return fmt.Errorf("%w: unknown op %q", ErrInvalidRule, r.Op)
	case !slices.Contains(whens, r.When):
		return fmt.Errorf("%w: %s cannot fail %v", ErrInvalidRule, r.Op, r.When)
	case r.Next < 0:
		return fmt.Errorf("%w: Next %d is negative", ErrInvalidRule, r.Next)
	case r.Probability < 0 || r.Probability > 1:
		return fmt.Errorf("%w: probability %v is not in [0, 1]", ErrInvalidRule, r.Probability)
	case r.Next == 0 && r.Probability == 0:
		return fmt.Errorf("%w: %s fails nothing: set Next or Probability", ErrInvalidRule, r.Op)
	}
	return nil
}

// Clear removes every rule: from now on nothing fails. What was injected
// stays counted.
func (s *Store) Clear() {
	s.mu.Lock()
	s.rules = nil
	s.mu.Unlock()
}

// Injected returns how many faults were injected so far.
func (s *Store) Injected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

// Faults returns the faults injected so far, oldest first.
func (s *Store) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.faults)
}

// inject returns the fault of the first rule that fires for c at w, or
// nil.
func (s *Store) inject(c Call, w When) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rules {
		if r.left == 0 || r.When != w || !r.matches(c.Op) {
			continue
		}
		if r.Match != nil && !r.Match(c) {
			continue
		}
		if r.p < 1 && s.rng.Float64() >= r.p {
			continue
		}
		if r.left > 0 {
			r.left--
		}
		err := r.Err
		if err == nil {
			err = fmt.Errorf("faultstore: %s %v: %w", c.Op, w, ErrInjected)
		}
		c.Tx = slices.Clone(c.Tx)
		s.faults = append(s.faults, Fault{Call: c, When: w, Err: err})
		return err
	}
	return nil
}

func (r *rule) matches(op Op) bool {
	if r.Op == OpTx {
		return len(op) > 3 && op[:3] == "Tx."
	}
	return r.Op == op
}

// Update runs fn in a transaction of the wrapped store, with the faults of
// the rules for OpUpdate (Before, AtCommit, After) and for the Tx calls.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	if err := s.inject(Call{Op: OpUpdate}, Before); err != nil {
		return err
	}
	var t *tx
	err := s.inner.Update(ctx, func(inner store.Tx) error {
		t = &tx{s: s, inner: inner}
		if err := fn(t.public()); err != nil {
			return err
		}
		return s.inject(Call{Op: OpUpdate, Tx: t.history()}, AtCommit)
	})
	if err != nil || t == nil {
		return err
	}
	return s.inject(Call{Op: OpUpdate, Tx: t.history()}, After)
}

// View runs fn in a read-only transaction of the wrapped store, with the
// faults of the rules for OpView (Before, After) and for the Tx calls.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	if err := s.inject(Call{Op: OpView}, Before); err != nil {
		return err
	}
	var t *tx
	err := s.inner.View(ctx, func(inner store.Tx) error {
		t = &tx{s: s, inner: inner}
		return fn(t.public())
	})
	if err != nil || t == nil {
		return err
	}
	return s.inject(Call{Op: OpView, Tx: t.history()}, After)
}

// DrainEvents drains the wrapped store's events, with the faults of the
// rules for OpDrainEvents. At AtCommit fn has published the events and the
// store keeps them all; After, the store has forgotten them. Either way
// the caller gets the error and 0.
func (s *Store) DrainEvents(ctx context.Context, max int, fn func(context.Context, []conversation.Event) (int, error)) (int, error) {
	if err := s.inject(Call{Op: OpDrainEvents}, Before); err != nil {
		return 0, err
	}
	n, err := s.inner.DrainEvents(ctx, max, func(ctx context.Context, evs []conversation.Event) (int, error) {
		n, err := fn(ctx, evs)
		if err != nil {
			return n, err
		}
		if err := s.inject(Call{Op: OpDrainEvents}, AtCommit); err != nil {
			return 0, err
		}
		return n, nil
	})
	if err != nil {
		return n, err
	}
	if err := s.inject(Call{Op: OpDrainEvents}, After); err != nil {
		return 0, err
	}
	return n, nil
}

// ClaimTimers claims timers of the wrapped store, with the faults of the
// rules for OpClaimTimers.
func (s *Store) ClaimTimers(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.ClaimedTimer, error) {
	if err := s.inject(Call{Op: OpClaimTimers}, Before); err != nil {
		return nil, err
	}
	ts, err := s.inner.ClaimTimers(ctx, now, lease, limit)
	if err != nil {
		return nil, err
	}
	if err := s.inject(Call{Op: OpClaimTimers}, After); err != nil {
		return nil, err
	}
	return ts, nil
}

var _ store.TimerPeeker = (*Store)(nil)

// NextTimer returns the wrapped store's earliest timer, with the faults of
// the rules for OpNextTimer. When the wrapped store is no
// store.TimerPeeker it answers an error matching errors.ErrUnsupported, as
// the capability allows a wrapper to, and no rule applies.
func (s *Store) NextTimer(ctx context.Context) (time.Time, bool, error) {
	peeker, ok := s.inner.(store.TimerPeeker)
	if !ok {
		return time.Time{}, false, errNoPeeker
	}
	if err := s.inject(Call{Op: OpNextTimer}, Before); err != nil {
		return time.Time{}, false, err
	}
	due, ok, err := peeker.NextTimer(ctx)
	if err != nil {
		return time.Time{}, false, err
	}
	if err := s.inject(Call{Op: OpNextTimer}, After); err != nil {
		return time.Time{}, false, err
	}
	return due, ok, nil
}

// Close closes the wrapped store. It never fails by a rule.
func (s *Store) Close() error { return s.inner.Close() }

// tx is a transaction of the wrapped store whose calls go through the
// rules. It keeps its calls for the rules' Match and the Faults.
type tx struct {
	s     *Store
	inner store.Tx

	mu    sync.Mutex
	calls []TxCall
}

// The wrappers of a tx keep the optional capabilities of the wrapped
// transaction, so that the engine takes the path it takes without the
// wrapper: lookupTx has store.InboundLookup, workloadTx store.Workloads,
// lookupWorkloadTx both. Every one has store.MessagePager, which answers
// the same with the wrapped capability and without it.
type (
	lookupTx         struct{ *tx }
	workloadTx       struct{ *tx }
	lookupWorkloadTx struct{ *tx }
)

// public returns t as the store.Tx the caller's function gets, with the
// wrapped transaction's optional capabilities.
func (t *tx) public() store.Tx {
	_, lookup := t.inner.(store.InboundLookup)
	_, workload := t.inner.(store.Workloads)
	switch {
	case lookup && workload:
		return lookupWorkloadTx{t}
	case lookup:
		return lookupTx{t}
	case workload:
		return workloadTx{t}
	}
	return t
}

// history returns the calls made so far.
func (t *tx) history() []TxCall {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clip(t.calls)
}

// before records a call and returns its index, or the fault of a Before
// rule.
func (t *tx) before(op Op, args ...any) (int, error) {
	t.mu.Lock()
	prior := slices.Clip(t.calls)
	t.calls = append(t.calls, TxCall{Op: op, Args: args})
	i := len(t.calls) - 1
	t.mu.Unlock()
	err := t.s.inject(Call{Op: op, Tx: prior}, Before)
	if err != nil {
		t.done(i, err)
	}
	return i, err
}

// after returns err, the wrapped call's outcome, or for a call that
// succeeded the fault of an After rule.
func (t *tx) after(i int, err error) error {
	if err == nil {
		t.mu.Lock()
		prior := slices.Clip(t.calls[:i])
		t.mu.Unlock()
		err = t.s.inject(Call{Op: t.op(i), Tx: prior}, After)
	}
	t.done(i, err)
	return err
}

func (t *tx) op(i int) Op {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.calls[i].Op
}

func (t *tx) done(i int, err error) {
	t.mu.Lock()
	t.calls[i].Err = err
	t.mu.Unlock()
}

var _ store.SharedEvents = (*Store)(nil)

// EventShare reports the wrapped store's share of its event stream, and
// false when the wrapped store is no store.SharedEvents. No rule applies.
func (s *Store) EventShare() (store.EventShare, bool) {
	if shared, ok := s.inner.(store.SharedEvents); ok {
		return shared.EventShare()
	}
	return store.EventShare{}, false
}
