using Akka.Actor;
using Akka.TestKit;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Actors.Observation;
using WgSupervisor.Actors.Specs.Support;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using Xunit;
using Xunit.Abstractions;
using static WgSupervisor.Actors.Fleet.FleetProtocol;
using static WgSupervisor.Actors.Observation.PollerActor;
using RepairCall = WgSupervisor.Actors.Specs.Support.FakeWireGuard.RepairCall;

namespace WgSupervisor.Actors.Specs;

/// <summary>
/// The fleet with real tunnel actors and a fake WireGuard: permits, fan-out, queries, supervision, leases. No
/// poller unless a spec asks for one; snapshots are sent by hand, on virtual time.
/// </summary>
public sealed class FleetActorSpecs : Akka.TestKit.Xunit2.TestKit
{
    private const string Node = "gw1";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private readonly FakeWireGuard _wireGuard = new();
    private readonly TestProbe _calls;
    private readonly TestProbe _asker;
    private IReadOnlyList<TunnelSettings> _tunnels = [];

    public FleetActorSpecs(ITestOutputHelper output) : base(SpecConfig.Config, nameof(FleetActorSpecs), output)
    {
        _calls = CreateTestProbe("wireguard-calls");
        _asker = CreateTestProbe("admin");
        _wireGuard.Calls = _calls.Ref;
    }

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;
    private DateTimeOffset VirtualNow => Sys.Scheduler.Now;

    [Fact]
    public void Ten_tunnels_stale_at_once_are_repaired_no_more_than_two_at_a_time_until_all_are_healthy()
    {
        var fleet = StartFleet(10, new PermitLimits(2, null, TimeSpan.FromMinutes(5)));
        MakeAllHealthy(fleet);
        Clock.Advance(TimeSpan.FromSeconds(10));

        fleet.Tell(new NamespaceObserved(Snapshot()));

        var up = new Dictionary<int, DateTimeOffset?>();
        var repaired = new List<string>();
        while (repaired.Count < 10)
        {
            var call = _calls.ExpectMsg<RepairCall>(Wait);
            Assert.DoesNotContain(call.Tunnel, repaired);
            Assert.Equal(RepairRung.RestartInterface, call.Rung);
            Assert.InRange(_wireGuard.RepairsInFlight, 1, 2);
            var status = Status(fleet);
            Assert.InRange(status.PermitsInUse, 1, 2);
            Assert.Contains(call.Tunnel, status.PermitHolders);

            call.Succeed();
            up[IndexOf(call.Tunnel)] = VirtualNow;
            fleet.Tell(new NamespaceObserved(Snapshot(up)));
            AwaitAssert(() => Assert.Equal(TunnelPhase.Healthy, Tunnel(fleet, call.Tunnel).Phase), Wait);
            repaired.Add(call.Tunnel);
            Assert.InRange(Status(fleet).PermitsInUse, 0, 2);
        }

        Assert.Equal(2, _wireGuard.MaxRepairsInFlight);
        Assert.Equal(10, _wireGuard.Repairs.Count);
        var final = Status(fleet);
        Assert.Equal((0, 2), (final.PermitsInUse, final.PermitLimit));
        Assert.Empty(final.Queue);
        Assert.All(Tunnels(fleet), s => Assert.Equal((TunnelPhase.Healthy, 1), (s.Phase, s.RepairCount)));
    }

    [Fact]
    public void A_tunnel_that_recovers_while_queued_withdraws_and_frees_its_place_in_the_queue()
    {
        var fleet = StartFleet(3, new PermitLimits(1, null, TimeSpan.FromMinutes(5)));
        MakeAllHealthy(fleet);
        var handshake = VirtualNow;

        // t0 goes stale first and takes the only permit; t1 and t2 queue behind it, oldest episode first.
        Clock.Advance(TimeSpan.FromSeconds(1));
        fleet.Tell(new NamespaceObserved(Snapshot(new() { [1] = handshake, [2] = handshake })));
        var first = _calls.ExpectMsg<RepairCall>(Wait);
        Assert.Equal("t0", first.Tunnel);
        Clock.Advance(TimeSpan.FromSeconds(1));
        fleet.Tell(new NamespaceObserved(Snapshot(new() { [2] = handshake })));
        Clock.Advance(TimeSpan.FromSeconds(1));
        fleet.Tell(new NamespaceObserved(Snapshot()));
        AwaitAssert(() => Assert.Equal(["t1", "t2"], Status(fleet).Queue), Wait);

        Clock.Advance(TimeSpan.FromSeconds(1));
        fleet.Tell(new NamespaceObserved(Snapshot(new() { [1] = VirtualNow })));

        AwaitAssert(() => Assert.Equal(["t2"], Status(fleet).Queue), Wait);
        Assert.Equal(TunnelPhase.Healthy, Tunnel(fleet, "t1").Phase);
        first.Succeed();
        fleet.Tell(new NamespaceObserved(Snapshot(new() { [0] = VirtualNow, [1] = VirtualNow })));
        var next = _calls.ExpectMsg<RepairCall>(Wait);
        Assert.Equal("t2", next.Tunnel);
        Assert.DoesNotContain(_wireGuard.Repairs, r => r.Tunnel == "t1");
        Assert.Equal(["t2"], Status(fleet).PermitHolders);
    }

    [Fact]
    public void Queries_answer_from_the_tunnels_summaries()
    {
        var fleet = StartFleet(3, PermitLimits.Default);
        MakeAllHealthy(fleet);

        var list = Ask<TunnelList>(fleet, new GetTunnels());
        Assert.Equal(["t0", "t1", "t2"], list.Tunnels.Select(t => t.Name));
        Assert.All(list.Tunnels, t => Assert.Equal((TunnelPhase.Healthy, Node), (t.Phase, t.Node)));

        var found = Ask<TunnelFound>(fleet, new GetTunnel("t1")).Tunnel;
        Assert.Equal(("t1", "wg1", Key(1)), (found.Name, found.Interface, found.PeerPublicKey));
        Assert.Equal(new TunnelNotFound("t9"), Ask<TunnelNotFound>(fleet, new GetTunnel("t9")));
    }

    [Fact]
    public void A_move_of_a_tunnel_without_a_standby_is_rejected_at_once_and_an_unknown_one_is_not_found()
    {
        var fleet = StartFleet(1, PermitLimits.Default);
        MakeAllHealthy(fleet);

        var rejected = Ask<TunnelProtocol.CommandRejected>(fleet, new MovableTunnelProtocol.MoveTunnel("t0", "gw2", "operator:alice"));

        Assert.Contains("no standby", rejected.Reason);
        Assert.Equal(new TunnelNotFound("nope"), Ask<TunnelNotFound>(fleet, new MovableTunnelProtocol.MoveTunnel("nope", "gw2", "operator:alice")));
    }

    [Fact]
    public void A_restart_request_is_forwarded_to_the_tunnel_which_answers_the_asker()
    {
        var fleet = StartFleet(2, PermitLimits.Default);
        MakeAllHealthy(fleet);

        Assert.Equal(new TunnelNotFound("nope"), Ask<TunnelNotFound>(fleet, new RestartTunnel("nope", "operator:alice")));

        var accepted = Ask<TunnelProtocol.CommandAccepted>(fleet, new RestartTunnel("t1", "operator:alice"));
        Assert.Equal("t1", accepted.Tunnel);
        var call = _calls.ExpectMsg<RepairCall>(Wait);
        Assert.Equal("t1", call.Tunnel);
        AwaitAssert(() => Assert.Equal("operator:alice", Tunnel(fleet, "t1").CurrentRepair?.By), Wait);

        var rejected = Ask<TunnelProtocol.CommandRejected>(fleet, new RestartTunnel("t1", "operator:bob"));
        Assert.Equal("a repair is in flight", rejected.Reason);
        Assert.Equal(TunnelPhase.Healthy, Tunnel(fleet, "t0").Phase);
        Assert.Single(_wireGuard.Repairs);
    }

    [Fact]
    public void A_tunnel_actor_that_throws_is_restarted_from_its_journal_without_disturbing_its_siblings()
    {
        // The port promises never to throw; this one does once, synchronously, inside the tunnel actor's handler.
        var thrown = 0;
        _wireGuard.OnRepair = call =>
        {
            if (call.Tunnel == "t0" && Interlocked.Increment(ref thrown) == 1) throw new InvalidOperationException("fake WireGuard broke its promise");
        };
        var fleet = StartFleet(3, PermitLimits.Default);
        MakeAllHealthy(fleet);
        var siblingBefore = Tunnel(fleet, "t1");
        var siblingHistory = Resolve(fleet, "history-t1");
        var failingHistory = Resolve(fleet, "history-t0");
        var handshake = VirtualNow;
        Clock.Advance(TimeSpan.FromSeconds(10));

        fleet.Tell(new NamespaceObserved(Snapshot(new() { [1] = handshake, [2] = handshake })));
        Assert.Equal("t0", _calls.ExpectMsg<RepairCall>(Wait).Tunnel);

        // The new incarnation has not seen an observation yet; the old one had.
        var restarted = AwaitTunnel(fleet, "t0", s => s.ObservedAt is null);
        // The history child outlives the restart: it keeps unwritten events and hands the new incarnation its state.
        Assert.Equal(failingHistory, Resolve(fleet, "history-t0"));
        Assert.Equal(siblingHistory, Resolve(fleet, "history-t1"));
        var siblingAfter = Tunnel(fleet, "t1");
        Assert.Equal((TunnelPhase.Healthy, siblingBefore.PhaseSince), (siblingAfter.Phase, siblingAfter.PhaseSince));
        // The old incarnation's permit ended with it (TunnelIncarnated); at most the new one's own is held.
        Assert.InRange(Status(fleet).PermitsInUse, 0, 1);

        // The new incarnation resumes from everything the old one recorded: the repair it started was interrupted.
        Assert.Equal(TunnelPhase.Backoff, restarted.Phase);
        Assert.Equal(RepairOutcome.Interrupted, restarted.LastRepair!.Outcome);
        Clock.AdvanceTo(restarted.BackoffUntil!.Value);
        var retry = _calls.ExpectMsg<RepairCall>(Wait);
        Assert.Equal("t0", retry.Tunnel);
        retry.Succeed();
        fleet.Tell(new NamespaceObserved(Snapshot(new() { [0] = VirtualNow, [1] = VirtualNow, [2] = VirtualNow })));
        AwaitTunnel(fleet, "t0", s => s.Phase == TunnelPhase.Healthy);
        Assert.Equal(0, Status(fleet).PermitsInUse);
        Assert.Equal(TunnelPhase.Healthy, Tunnel(fleet, "t2").Phase);
    }

    [Fact]
    public void An_expired_lease_frees_the_permit_for_the_next_tunnel()
    {
        var fleet = StartFleet(2, new PermitLimits(1, null, Lease));
        MakeAllHealthy(fleet);
        var handshake = VirtualNow;
        fleet.Tell(new NamespaceObserved(Snapshot(new() { [1] = handshake })));
        var lost = _calls.ExpectMsg<RepairCall>(Wait);
        Assert.Equal("t0", lost.Tunnel);
        fleet.Tell(new NamespaceObserved(Snapshot()));
        AwaitAssert(() => Assert.Equal(["t1"], Status(fleet).Queue), Wait);

        // The lease check runs every 5 s: step through the lease as time would pass.
        for (var elapsed = TimeSpan.Zero; elapsed < Lease - TimeSpan.FromSeconds(5); elapsed += TimeSpan.FromSeconds(5))
            Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(["t0"], Status(fleet).PermitHolders);

        Clock.Advance(TimeSpan.FromSeconds(5));
        Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("t1", _calls.ExpectMsg<RepairCall>(Wait).Tunnel);
        var status = Status(fleet);
        Assert.Equal(["t1"], status.PermitHolders);
        Assert.Empty(status.Queue);
        Assert.False(lost.IsCompleted, "the lost holder is still running: the lease presumed it lost");
    }

    [Fact]
    public void A_fleet_with_a_poll_interval_polls_each_namespace_and_reports_the_outcome()
    {
        var tunnels = new[] { TunnelSettings(0), TunnelSettings(1) with { Namespace = "site-b" } };
        _wireGuard.OnRead = read =>
        {
            if (read.Namespace == "site-b") throw new WireGuardUnavailableException("cannot read WireGuard state in namespace site-b: exit code 1");
            read.Complete(new NamespaceSnapshot(read.Namespace, VirtualNow, new Dictionary<string, InterfaceStatus>()));
        };
        var fleet = StartFleet(tunnels, PermitLimits.Default, pollInterval: TimeSpan.FromSeconds(30));

        AwaitAssert(() => Assert.Equal(2, Status(fleet).Polls.Count), Wait);
        var polls = Status(fleet).Polls;
        Assert.Equal(new PollStatus(null, VirtualNow, null, null), polls[0]);
        Assert.Equal(new PollStatus("site-b", null, VirtualNow, "cannot read WireGuard state in namespace site-b: exit code 1"), polls[1]);
        // t0's interface is missing: its diagnosis asks for a fresh poll, which may already have run (two reads more).
        Assert.InRange(_wireGuard.Reads.Count, 2, 4);
        var before = _wireGuard.Reads.Count;

        fleet.Tell(PollerActor.PollNow.Instance);

        AwaitAssert(() => Assert.True(_wireGuard.Reads.Count >= before + 2, $"{_wireGuard.Reads.Count} reads, {before} before the poll"), Wait);
        // The snapshot reached the tunnel: its interface is missing, so it is being repaired.
        AwaitAssert(() => Assert.Equal(1, Tunnel(fleet, "t0").RepairCount), Wait);
        Assert.False(Tunnel(fleet, "t0").InterfacePresent);
    }

    // ---- Helpers -------------------------------------------------------------------------------------

    private IActorRef StartFleet(int tunnelCount, PermitLimits limits) =>
        StartFleet(Enumerable.Range(0, tunnelCount).Select(TunnelSettings).ToList(), limits);

    private IActorRef StartFleet(IReadOnlyList<TunnelSettings> tunnels, PermitLimits limits, TimeSpan? pollInterval = null)
    {
        _tunnels = tunnels;
        var settings = new FleetSettings(Node, tunnels, limits, pollInterval, HistorySettings.Default);
        return Sys.ActorOf(FleetActor.Props(settings, _wireGuard, () => 1.0), "fleet");
    }

    private static TunnelSettings TunnelSettings(int index) => new()
    {
        Name = $"t{index}",
        Interface = $"wg{index}",
        PeerPublicKey = Key(index),
        WgQuickConfig = $"/etc/wireguard/wg{index}.conf",
        StaleAfter = TimeSpan.FromSeconds(180),
        VerifyTimeout = TimeSpan.FromSeconds(20),
        Backoff = new BackoffPolicy(TimeSpan.FromSeconds(10), 2.0, TimeSpan.FromMinutes(5)),
    };

    private static string Key(int index) => Convert.ToBase64String(Enumerable.Repeat((byte)(index + 1), 32).ToArray());

    private static int IndexOf(string tunnel) => int.Parse(tunnel[1..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A host-namespace snapshot in which only the given tunnels' interfaces exist, with these handshakes.</summary>
    private NamespaceSnapshot Snapshot(Dictionary<int, DateTimeOffset?>? present = null) =>
        new(null, VirtualNow, (present ?? []).ToDictionary(
            p => $"wg{p.Key}",
            p => new InterfaceStatus($"wg{p.Key}", "InterfaceKeyInterfaceKeyInterfaceKeyInterface=", 51820 + p.Key,
                [new PeerStatus(Key(p.Key), $"198.51.100.{p.Key + 1}:51820", ["10.0.0.0/24"], p.Value, 1_000, 2_000, 25)])));

    /// <summary>Every tunnel healthy: this also waits until each has read its history and judged an observation.</summary>
    private void MakeAllHealthy(IActorRef fleet)
    {
        fleet.Tell(new NamespaceObserved(Snapshot(Enumerable.Range(0, _tunnels.Count).ToDictionary(i => i, _ => (DateTimeOffset?)VirtualNow))));
        AwaitAssert(() => Assert.All(Tunnels(fleet), s => Assert.Equal(TunnelPhase.Healthy, s.Phase)), Wait);
    }

    private T Ask<T>(IActorRef fleet, object query)
    {
        fleet.Tell(query, _asker.Ref);
        return _asker.ExpectMsg<T>(Wait);
    }

    private FleetStatus Status(IActorRef fleet) => Ask<FleetStatus>(fleet, new GetFleetStatus());
    private IReadOnlyList<TunnelSummary> Tunnels(IActorRef fleet) => Ask<TunnelList>(fleet, new GetTunnels()).Tunnels;
    private TunnelSummary Tunnel(IActorRef fleet, string name) => Ask<TunnelFound>(fleet, new GetTunnel(name)).Tunnel;

    private TunnelSummary AwaitTunnel(IActorRef fleet, string name, Func<TunnelSummary, bool> condition)
    {
        TunnelSummary? matched = null;
        AwaitCondition(() => condition(matched = Tunnel(fleet, name)), Wait, TimeSpan.FromMilliseconds(20));
        return matched!;
    }

    private IActorRef Resolve(IActorRef fleet, string childPath) =>
        Sys.ActorSelection(fleet.Path / childPath.Split('/')).ResolveOne(Wait).GetAwaiter().GetResult();
}
