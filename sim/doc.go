// Package sim answers a contact center's staffing question — how many
// agents a shift needs for a service level such as "80% answered within
// 20 seconds" — in two ways that can be compared.
//
// Simulate runs the real contactcenter.Engine on the memory store under a
// virtual clock: customers arrive (Poisson at a rate, or per 15-minute
// interval from a forecast), write through Engine.Receive, wait in the
// engine's queue and are handed to agents by the channel's own assignment
// strategy (R11: round robin or least busy, capacity, teams, presence);
// agents close their conversations with Engine.CloseConversation after a
// handling time (exponential or log-normal), which frees room the engine
// fills from the queue. Customers may run out of patience (exponential,
// Erlang A) and leave; a share may be resolved by a bot before they reach
// the queue. Waits are measured from the engine's conversation.assigned
// events. The Report gives, per interval and overall, the offered load,
// answered and abandoned conversations, P(wait), ASA, the service level,
// occupancy and the longest wait, as a text table or JSON; Sweep and
// Chart draw service level and ASA against the number of agents as SVG;
// Staff finds the fewest agents that meet a target in each interval.
//
// ErlangC and ErlangA are the analytic formulas (M/M/c and Palm's
// M/M/c+M), and ErlangCAgents the classic staffing answer.
package sim
