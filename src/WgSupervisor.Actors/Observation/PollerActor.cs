using Akka.Actor;
using Akka.Event;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;

namespace WgSupervisor.Actors.Observation;

/// <summary>
/// The node's one poller: every interval it reads all WireGuard state of every configured namespace (one
/// read per namespace, all at once) and hands the snapshots to the fleet, which fans them out to the
/// tunnels. Tunnel actors never read WireGuard themselves. A poll never overlaps the previous one.
/// </summary>
public sealed class PollerActor : ReceiveActor, IWithTimers
{
    /// <summary>Poll as soon as possible (e.g. to verify a repair quickly); merged with one already running.</summary>
    public sealed record PollNow
    {
        public static readonly PollNow Instance = new();
    }

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record PollCompleted(IReadOnlyList<object> Results, TimeSpan Duration);

    /// <summary>To the fleet: the WireGuard state of one namespace, read in one call.</summary>
    public sealed record NamespaceObserved(NamespaceSnapshot Snapshot);

    /// <summary>To the fleet: the namespace could not be read this time, and why.</summary>
    public sealed record NamespaceUnreadable(string? Namespace, DateTimeOffset At, string Error);

    /// <summary>Published on the event stream after every poll, for metrics.</summary>
    public sealed record PollMeasured(TimeSpan Duration, int Namespaces, int Failed);

    private readonly IReadOnlyList<string?> _namespaces;
    private readonly TimeSpan _interval;
    private readonly IWireGuard _wireGuard;
    private readonly IActorRef _fleet;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();
    private bool _polling;
    private bool _pollAgain;

    public PollerActor(IReadOnlyList<string?> namespaces, TimeSpan interval, IWireGuard wireGuard, IActorRef fleet)
    {
        _namespaces = namespaces;
        _interval = interval;
        _wireGuard = wireGuard;
        _fleet = fleet;

        Receive<Tick>(_ => StartPoll());
        Receive<PollNow>(_ => StartPoll());
        Receive<PollCompleted>(completed =>
        {
            _polling = false;
            Context.System.EventStream.Publish(new PollMeasured(completed.Duration, completed.Results.Count,
                completed.Results.Count(r => r is NamespaceUnreadable)));
            foreach (var result in completed.Results) _fleet.Tell(result);
            if (!_pollAgain) return;
            _pollAgain = false;
            StartPoll();
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IReadOnlyList<string?> namespaces, TimeSpan interval, IWireGuard wireGuard, IActorRef fleet) =>
        Akka.Actor.Props.Create(() => new PollerActor(namespaces, interval, wireGuard, fleet));

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(Tick.Instance, Tick.Instance, _interval);
        Self.Tell(Tick.Instance);
    }

    protected override void PostStop() => _stopping.Cancel();

    private void StartPoll()
    {
        if (_polling)
        {
            _pollAgain = true;
            return;
        }
        _polling = true;
        var scheduler = Context.System.Scheduler;
        var reads = _namespaces.Select(ns => ReadOneAsync(ns, scheduler));
        var namespaces = _namespaces;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Task.WhenAll(reads).PipeTo(Self, success: results => new PollCompleted(results, System.Diagnostics.Stopwatch.GetElapsedTime(started)),
            failure: error => new PollCompleted(namespaces.Select(ns => (object)new NamespaceUnreadable(ns, scheduler.Now,
                $"poll failed: {error.GetBaseException().Message}")).ToList(), System.Diagnostics.Stopwatch.GetElapsedTime(started)));
    }

    private async Task<object> ReadOneAsync(string? networkNamespace, IScheduler scheduler)
    {
        try
        {
            return new NamespaceObserved(await _wireGuard.ReadAsync(networkNamespace, _stopping.Token));
        }
        catch (Exception e) when (!_stopping.IsCancellationRequested)
        {
            var message = e is WireGuardUnavailableException ? e.Message : $"unexpected {e.GetType().Name}: {e.Message}";
            _log.Warning("Poll of {Namespace} failed: {Error}", networkNamespace ?? "host namespace", message);
            return new NamespaceUnreadable(networkNamespace, scheduler.Now, message);
        }
    }
}
