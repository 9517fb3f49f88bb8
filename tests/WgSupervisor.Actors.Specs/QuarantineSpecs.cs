using Akka.Actor;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Actors.Specs.Support;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using Xunit;
using Xunit.Abstractions;
using static WgSupervisor.Actors.Tunnels.TunnelProtocol;

namespace WgSupervisor.Actors.Specs;

/// <summary>
/// The flapping quarantine on one tunnel actor, on virtual time (README "Flapping quarantine"): more than
/// Quarantine:MaxRepairs repairs within Quarantine:WindowSeconds stop automatic repairs until the window passes,
/// or, with ReleaseAfterWindow false, until an operator releases the tunnel; a tunnel that recovers on its own
/// leaves the quarantine.
/// </summary>
public sealed class QuarantineSpecs(ITestOutputHelper output) : OneTunnelSpec(output, nameof(QuarantineSpecs))
{
    private const int MaxRepairs = 2;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    private static TunnelSettings Flapping(bool releaseAfterWindow = true) =>
        Settings(new QuarantinePolicy(MaxRepairs, Window, releaseAfterWindow));

    /// <summary>A healthy tunnel repaired MaxRepairs (2) times, a minute apart, a minute ago; returns when its first repair started.</summary>
    private (IActorRef Tunnel, DateTimeOffset FirstRepair) RepairedMaxRepairsTimesAMinuteApart()
    {
        var (tunnel, _) = Start(Flapping());
        MakeHealthy(tunnel);
        var firstRepair = RepairOnce(tunnel, 1);
        Clock.Advance(TimeSpan.FromMinutes(1));
        RepairOnce(tunnel, 2);
        Clock.Advance(TimeSpan.FromMinutes(1));
        return (tunnel, firstRepair);
    }

    [Fact]
    public void A_tunnel_repaired_MaxRepairs_times_within_the_window_is_quarantined_when_it_breaks_again_and_is_not_repaired_meanwhile()
    {
        var (tunnel, firstRepair) = RepairedMaxRepairsTimesAMinuteApart();

        Observe(tunnel, TooOld());

        var (quarantined, before) = ExpectRecorded<TunnelQuarantined>();
        var wentStale = Assert.IsType<TunnelWentStale>(before[^1]);
        Assert.Equal(StaleReason.HandshakeTooOld, wentStale.Reason);
        Assert.Equal(firstRepair + Window, quarantined.Until);
        Assert.StartsWith("2 repairs within 600 s (limit 2): no automatic repair until ", quarantined.Reason);
        var summary = ExpectPhase(TunnelPhase.Quarantined);
        Assert.Equal(firstRepair + Window, summary.QuarantinedUntil);
        Assert.Equal(2, summary.RepairCount);

        // Broken all the while, and observed every half minute until just before the window ends: nothing is repaired.
        var meanwhile = new List<object>();
        for (var step = 0; VirtualNow + TimeSpan.FromSeconds(30) < firstRepair + Window; step++)
        {
            Clock.Advance(TimeSpan.FromSeconds(30));
            Observe(tunnel, step % 2 == 0 ? InterfaceMissing() : TooOld());
            meanwhile.AddRange(SettleUnlessStale(tunnel));
        }
        AssertNoPermitTraffic(meanwhile);
        Assert.All(meanwhile.OfType<TunnelToFleet.TunnelChanged>(), c => Assert.Equal(TunnelPhase.Quarantined, c.Summary.Phase));
        Assert.Equal(2, RepairsRun);
        Assert.DoesNotContain(RecordedSinceLastRead(), e => e is TunnelWentStale or RepairStarted or TunnelReleased);
    }

    [Fact]
    public void The_quarantine_ends_when_the_window_passes_and_the_tunnel_is_judged_and_repaired_again()
    {
        var (tunnel, firstRepair) = RepairedMaxRepairsTimesAMinuteApart();
        Observe(tunnel, TooOld());
        var until = ExpectRecorded<TunnelQuarantined>().Event.Until!.Value;

        Clock.AdvanceTo(until - TimeSpan.FromMilliseconds(1));
        AssertNoPermitTraffic(SettleUnlessStale(tunnel));
        Assert.DoesNotContain(RecordedSinceLastRead(), e => e is TunnelReleased);
        Clock.AdvanceTo(until);

        var (released, _) = ExpectRecorded<TunnelReleased>();
        Assert.Equal((until, "supervisor", "the quarantine window passed", false), (released.At, released.By, released.Reason, released.ResetBudget));
        Assert.Equal(firstRepair + Window, until);
        ExpectPhase(TunnelPhase.Unknown);

        Observe(tunnel, TooOld());
        ExpectPermitRequest();
        var call = Grant(tunnel, 3);
        Assert.Equal(RepairRung.RestartInterface, call.Rung);
        Assert.Equal(3, ExpectPhase(TunnelPhase.Restarting).RepairCount);
    }

    [Fact]
    public void Without_ReleaseAfterWindow_only_an_operator_ends_the_quarantine()
    {
        var (tunnel, _) = Start(Flapping(releaseAfterWindow: false));
        MakeHealthy(tunnel);
        tunnel.Tell(new ReleaseRequested("operator:alice"), TestActor);
        ExpectMsg<CommandRejected>(r => r.Reason == "not quarantined (phase Healthy)", Wait);
        RepairOnce(tunnel, 1);
        RepairOnce(tunnel, 2);
        Observe(tunnel, InterfaceMissing());
        Assert.Null(ExpectRecorded<TunnelQuarantined>().Event.Until);
        Assert.Null(ExpectPhase(TunnelPhase.Quarantined).QuarantinedUntil);

        // Three windows later, still broken: still quarantined, still not repaired.
        var meanwhile = new List<object>();
        for (var step = 0; step < 3; step++)
        {
            Clock.Advance(Window);
            Observe(tunnel, InterfaceMissing());
            meanwhile.AddRange(SettleUnlessStale(tunnel));
        }
        AssertNoPermitTraffic(meanwhile);
        Assert.Equal(2, RepairsRun);
        Assert.DoesNotContain(RecordedSinceLastRead(), e => e is TunnelReleased);

        tunnel.Tell(new ReleaseRequested("operator:alice"), TestActor);

        ExpectMsg<CommandAccepted>(a => a.Detail == "released; judged again at the next observation", Wait);
        var (released, _) = ExpectRecorded<TunnelReleased>();
        Assert.Equal(("operator:alice", "released by an operator", true), (released.By, released.Reason, released.ResetBudget));
        ExpectPhase(TunnelPhase.Unknown);
        Observe(tunnel, InterfaceMissing());
        ExpectPermitRequest();
        Grant(tunnel, 3);
        Assert.Equal(3, RepairsRun);
    }

    [Fact]
    public void An_operators_release_forgets_the_repairs_counted_so_the_next_breakage_within_the_window_is_repaired()
    {
        var (tunnel, _) = Start(Flapping());
        MakeHealthy(tunnel);
        RepairOnce(tunnel, 1);
        RepairOnce(tunnel, 2);
        Observe(tunnel, TooOld());
        ExpectPhase(TunnelPhase.Quarantined);

        tunnel.Tell(new ReleaseRequested("operator:alice"), TestActor);
        ExpectMsg<CommandAccepted>(Wait);
        ExpectPhase(TunnelPhase.Unknown);

        // Two more repairs within the same window: the budget starts again from nothing.
        MakeHealthy(tunnel);
        RepairOnce(tunnel, 3);
        RepairOnce(tunnel, 4);
        Assert.Equal(4, RepairsRun);
        Observe(tunnel, TooOld());
        ExpectPhase(TunnelPhase.Quarantined);
    }

    [Fact]
    public void A_quarantined_tunnel_that_recovers_on_its_own_leaves_the_quarantine_but_its_repairs_still_count_until_the_window_passes()
    {
        var (tunnel, _) = Start(Flapping());
        MakeHealthy(tunnel);
        var firstRepair = RepairOnce(tunnel, 1);
        RepairOnce(tunnel, 2);
        Observe(tunnel, TooOld());
        ExpectPhase(TunnelPhase.Quarantined);
        Clock.Advance(TimeSpan.FromMinutes(2));

        Observe(tunnel, HandshakeAged(TimeSpan.FromSeconds(3)));

        var (released, _) = ExpectRecorded<TunnelReleased>();
        Assert.Equal(("supervisor", "recovered on its own", false), (released.By, released.Reason, released.ResetBudget));
        var (healthy, _) = ExpectRecorded<TunnelBecameHealthy>();
        Assert.Equal("recovered during quarantine: handshake 3 s old", healthy.Reason);
        var summary = ExpectPhase(TunnelPhase.Healthy);
        Assert.Null(summary.QuarantinedUntil);
        AssertNoPermitTraffic(SettleUnlessStale(tunnel));

        // Broken again inside the window: straight back into quarantine, no third repair.
        Clock.Advance(TimeSpan.FromMinutes(1));
        Observe(tunnel, TooOld());
        Assert.Equal(firstRepair + Window, ExpectRecorded<TunnelQuarantined>().Event.Until);
        ExpectPhase(TunnelPhase.Quarantined);
        AssertNoPermitTraffic(SettleUnlessStale(tunnel));
        Assert.Equal(2, RepairsRun);

        Clock.AdvanceTo(firstRepair + Window);
        ExpectRecorded<TunnelReleased>(r => r.Reason == "the quarantine window passed");
        Observe(tunnel, TooOld());
        ExpectPermitRequest();
        Grant(tunnel, 3);
    }

    [Fact]
    public void Repairs_that_keep_failing_count_too_and_the_backoff_ends_in_quarantine_instead_of_another_attempt()
    {
        var (tunnel, _) = Start(Flapping());
        MakeHealthy(tunnel);
        Observe(tunnel, InterfaceMissing());
        ExpectPermitRequest();
        Grant(tunnel, 1).Fail();
        var backoff = ExpectPhase(TunnelPhase.Backoff);
        Clock.AdvanceTo(backoff.BackoffUntil!.Value);
        ExpectPermitRequest();
        Grant(tunnel, 2).Fail();
        backoff = ExpectPhase(TunnelPhase.Backoff);

        Clock.AdvanceTo(backoff.BackoffUntil!.Value);

        var (_, before) = ExpectRecorded<TunnelQuarantined>();
        Assert.Equal(StaleReason.BackoffElapsed, Assert.IsType<TunnelWentStale>(before[^1]).Reason);
        ExpectPhase(TunnelPhase.Quarantined);
        Clock.Advance(TimeSpan.FromMinutes(5));
        Observe(tunnel, InterfaceMissing());
        AssertNoPermitTraffic(SettleUnlessStale(tunnel));
        Assert.Equal(2, RepairsRun);
    }

    [Fact]
    public void Only_repairs_within_the_window_count_so_repairs_spread_out_over_time_never_quarantine()
    {
        var (tunnel, _) = Start(Flapping());
        MakeHealthy(tunnel);

        // Each breakage finds one repair in the window before it: the one before that has just left the window.
        for (var repair = 1; repair <= MaxRepairs + 3; repair++)
        {
            RepairOnce(tunnel, repair);
            Clock.Advance(Window / MaxRepairs + TimeSpan.FromSeconds(1));
        }

        Assert.Equal(MaxRepairs + 3, RepairsRun);
        Assert.DoesNotContain(RecordedSinceLastRead(), e => e is TunnelQuarantined);
    }

    [Fact]
    public void An_operator_restart_of_a_quarantined_tunnel_is_accepted_and_goes_through_a_permit()
    {
        var (tunnel, _) = Start(Flapping());
        MakeHealthy(tunnel);
        RepairOnce(tunnel, 1);
        RepairOnce(tunnel, 2);
        Observe(tunnel, TooOld());
        ExpectPhase(TunnelPhase.Quarantined);

        tunnel.Tell(new RestartRequested("operator:bob"), TestActor);

        ExpectMsg<CommandAccepted>(a => a.Detail == "queued for a repair permit", Wait);
        ExpectPermitRequest();
        Grant(tunnel, 3);
        Assert.Equal("operator:bob", ExpectPhase(TunnelPhase.Restarting).CurrentRepair!.By);
    }
}
