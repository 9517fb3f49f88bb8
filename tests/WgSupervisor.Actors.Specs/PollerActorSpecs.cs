using Akka.Actor;
using Akka.TestKit;
using WgSupervisor.Actors.Observation;
using WgSupervisor.Actors.Specs.Support;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
using Xunit;
using Xunit.Abstractions;
using static WgSupervisor.Actors.Observation.PollerActor;
using ReadCall = WgSupervisor.Actors.Specs.Support.FakeWireGuard.ReadCall;

namespace WgSupervisor.Actors.Specs;

/// <summary>The node's poller on virtual time: one read per namespace per poll, never two polls at once.</summary>
public sealed class PollerActorSpecs : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    /// <summary>How long "no further read" is watched for. Reads start on the poller's own thread, right after a tick or a completion.</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    private readonly FakeWireGuard _wireGuard = new();
    private readonly TestProbe _reads;
    private readonly TestProbe _fleet;

    public PollerActorSpecs(ITestOutputHelper output) : base(SpecConfig.Config, nameof(PollerActorSpecs), output)
    {
        _reads = CreateTestProbe("wireguard-reads");
        _fleet = CreateTestProbe("fleet");
        _wireGuard.Calls = _reads.Ref;
    }

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;
    private DateTimeOffset VirtualNow => Sys.Scheduler.Now;

    [Fact]
    public void Polls_at_once_and_then_every_interval_with_one_read_per_namespace()
    {
        _wireGuard.OnRead = read => read.Complete(SnapshotOf(read.Namespace));
        string?[] namespaces = [null, "site-b", "site-c"];

        StartPoller(namespaces);

        for (var poll = 1; poll <= 3; poll++)
        {
            Assert.Equal(namespaces, ExpectReads(3).Select(r => r.Namespace));
            Assert.Equal(namespaces, Enumerable.Range(0, 3).Select(_ => _fleet.ExpectMsg<NamespaceObserved>(Wait).Snapshot.Namespace));
            _reads.ExpectNoMsg(Quiet);
            if (poll == 3) break;
            Clock.Advance(Interval - TimeSpan.FromMilliseconds(1));
            _reads.ExpectNoMsg(Quiet);
            Clock.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.Equal(9, _wireGuard.Reads.Count);
    }

    [Fact]
    public void A_namespace_that_cannot_be_read_is_reported_as_unreadable_and_polling_goes_on()
    {
        _wireGuard.OnRead = read =>
        {
            switch (read.Namespace)
            {
                case "site-b":
                    read.Fault(new WireGuardUnavailableException("cannot list interfaces in namespace site-b: exit code 1"));
                    break;
                case "site-c":
                    throw new InvalidOperationException("socket closed");
                default:
                    read.Complete(SnapshotOf(read.Namespace));
                    break;
            }
        };

        StartPoller([null, "site-b", "site-c"]);

        Assert.Null(_fleet.ExpectMsg<NamespaceObserved>(Wait).Snapshot.Namespace);
        Assert.Equal(new NamespaceUnreadable("site-b", VirtualNow, "cannot list interfaces in namespace site-b: exit code 1"),
            _fleet.ExpectMsg<NamespaceUnreadable>(Wait));
        Assert.Equal(new NamespaceUnreadable("site-c", VirtualNow, "unexpected InvalidOperationException: socket closed"),
            _fleet.ExpectMsg<NamespaceUnreadable>(Wait));

        Clock.Advance(Interval);

        Assert.Null(_fleet.ExpectMsg<NamespaceObserved>(Wait).Snapshot.Namespace);
        Assert.Equal(VirtualNow, _fleet.ExpectMsg<NamespaceUnreadable>(Wait).At);
        Assert.Equal(VirtualNow, _fleet.ExpectMsg<NamespaceUnreadable>(Wait).At);
        Assert.Equal(6, _wireGuard.Reads.Count);
    }

    [Fact]
    public void A_slow_read_is_never_overlapped_and_the_ticks_that_came_meanwhile_make_one_more_poll()
    {
        StartPoller([null]);
        var first = _reads.ExpectMsg<ReadCall>(Wait);

        for (var tick = 0; tick < 3; tick++) Clock.Advance(Interval);
        _reads.ExpectNoMsg(Quiet);

        first.Complete(SnapshotOf(null));
        _fleet.ExpectMsg<NamespaceObserved>(Wait);
        var second = _reads.ExpectMsg<ReadCall>(Wait);
        _reads.ExpectNoMsg(Quiet);
        second.Complete(SnapshotOf(null));
        _fleet.ExpectMsg<NamespaceObserved>(Wait);
        _reads.ExpectNoMsg(Quiet);

        Assert.Equal(2, _wireGuard.Reads.Count);
        Assert.Equal(1, _wireGuard.MaxReadsInFlight);
    }

    [Fact]
    public void PollNow_polls_at_once_when_idle_and_merges_with_a_poll_in_flight()
    {
        var poller = StartPoller([null]);
        var first = _reads.ExpectMsg<ReadCall>(Wait);

        for (var i = 0; i < 3; i++) poller.Tell(PollerActor.PollNow.Instance);
        _reads.ExpectNoMsg(Quiet);
        first.Complete(SnapshotOf(null));
        _fleet.ExpectMsg<NamespaceObserved>(Wait);
        var merged = _reads.ExpectMsg<ReadCall>(Wait);
        merged.Complete(SnapshotOf(null));
        _fleet.ExpectMsg<NamespaceObserved>(Wait);
        _reads.ExpectNoMsg(Quiet);

        poller.Tell(PollerActor.PollNow.Instance);

        _reads.ExpectMsg<ReadCall>(Wait).Complete(SnapshotOf(null));
        _fleet.ExpectMsg<NamespaceObserved>(Wait);
        Assert.Equal(3, _wireGuard.Reads.Count);
        Assert.Equal(1, _wireGuard.MaxReadsInFlight);
    }

    // ---- Regressions of fixed defects ----------------------------------------------------------------

    /// <summary>
    /// A read that ends in an OperationCanceledException the poller did not ask for (a UAPI socket or process
    /// time-out implemented with CancelAfter, say) escapes ReadOneAsync's filter, faults Task.WhenAll, and PipeTo
    /// delivers a Status.Failure the poller does not handle: _polling stays true and the node never polls again.
    /// </summary>
    [Fact]
    public void A_read_cancelled_by_something_else_than_the_poller_does_not_stop_polling()
    {
        _wireGuard.OnRead = read =>
        {
            if (read.Number == 1) read.Fault(new TaskCanceledException("the UAPI socket read timed out"));
            else read.Complete(SnapshotOf(read.Namespace));
        };
        StartPoller([null]);
        _reads.ExpectMsg<ReadCall>(Wait);

        Clock.Advance(Interval);

        _reads.ExpectMsg<ReadCall>(Wait, "the next tick must poll again");
        Assert.Null(_fleet.ExpectMsg<NamespaceUnreadable>(Wait).Namespace);
    }

    // ---- Helpers -------------------------------------------------------------------------------------

    private IActorRef StartPoller(IReadOnlyList<string?> namespaces) =>
        Sys.ActorOf(PollerActor.Props(namespaces, Interval, _wireGuard, _fleet.Ref), "poller");

    private NamespaceSnapshot SnapshotOf(string? ns) => NamespaceSnapshot.Empty(ns, VirtualNow);

    private IReadOnlyList<ReadCall> ExpectReads(int count) => Enumerable.Range(0, count).Select(_ => _reads.ExpectMsg<ReadCall>(Wait)).ToList();
}
