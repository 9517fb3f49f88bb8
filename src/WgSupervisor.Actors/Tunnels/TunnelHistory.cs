using Akka.Actor;
using Akka.Event;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Actors.Tunnels;

/// <summary>
/// Keeps a tunnel's history flowing to the journal while supervision goes on: events wait in a bounded
/// outbox until the journal has written them; when the journal is down, its writer is restarted with
/// backoff and the outbox is written once it is back. A full outbox drops its oldest events and records
/// the gap explicitly. The journal's sequence numbers tell after a restart which events are already in.
/// The fleet runs it beside (not under) its tunnel actor, so that a tunnel actor that crashes and restarts
/// loses neither unwritten events nor the state it resumes from: it attaches again and is told the state.
/// </summary>
public sealed class TunnelHistory : ReceiveActor, IWithTimers
{
    public sealed record Record(ITunnelEvent Event);
    /// <summary>To the parent, once: the state rebuilt from the journal.</summary>
    public sealed record HistoryRecovered(TunnelState State);
    /// <summary>To the parent, once, if the journal could not be read at start: supervise without history.</summary>
    public sealed record HistoryUnavailable(string Reason);
    /// <summary>To the owner on every change of the backlog; <paramref name="WrittenUpTo"/> is the journal's last acknowledged sequence number.</summary>
    public sealed record HistoryBacklog(int PendingEvents, string? Problem, long WrittenUpTo = 0);
    /// <summary>From the tunnel actor (each incarnation): I am your owner; tell me the state once it is known.</summary>
    public sealed record Attach
    {
        public static readonly Attach Instance = new();
    }

    private sealed record RestartWriter
    {
        public static readonly RestartWriter Instance = new();
    }

    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(30);

    private readonly string _persistenceId;
    private readonly HistorySettings _settings;
    private readonly Func<DateTimeOffset> _now;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LinkedList<ITunnelEvent> _outbox = new();
    private IActorRef? _owner;
    private IActorRef? _writer;
    private bool _writerReady;
    private bool _recoveredOnce;
    private int _inFlight;
    private long _confirmedSequenceNr = -1;
    private int _failures;
    // The tunnel's state as of the last recorded event: what a restarted parent resumes from.
    private TunnelState _state = TunnelState.Initial;
    private long _droppedEvents;
    private DateTimeOffset? _droppedSince;
    private string? _problem;

    public TunnelHistory(string persistenceId, HistorySettings settings)
    {
        _persistenceId = persistenceId;
        _settings = settings;
        _now = () => Context.System.Scheduler.Now;

        Receive<Record>(r =>
        {
            _state = _state.Apply(r.Event);
            Enqueue(r.Event);
            Flush();
        });
        Receive<Attach>(_ =>
        {
            _owner = Sender;
            if (_recoveredOnce) _owner.Tell(new HistoryRecovered(_state));
            else if (_failures > 0) _owner.Tell(new HistoryUnavailable("the journal could not be read at start"));
            ReportBacklog();
        });
        Receive<TunnelJournal.Recovered>(OnRecovered);
        Receive<TunnelJournal.Written>(w =>
        {
            if (_settings.LogAcknowledgements) _log.Info("journal-ack {PersistenceId} {SequenceNr}", _persistenceId, w.LastSequenceNr);
            Confirm(w.LastSequenceNr);
            Flush();
        });
        Receive<Terminated>(t => t.ActorRef.Equals(_writer), _ => OnWriterLost());
        Receive<RestartWriter>(_ => StartWriter());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string persistenceId, HistorySettings settings) =>
        Akka.Actor.Props.Create(() => new TunnelHistory(persistenceId, settings));

    protected override void PreStart() => StartWriter();

    private void StartWriter()
    {
        _writer = Context.Watch(Context.ActorOf(TunnelJournal.Props(_persistenceId, _settings), "journal"));
        _writerReady = false;
    }

    private void OnRecovered(TunnelJournal.Recovered recovered)
    {
        if (!_recoveredOnce)
        {
            _recoveredOnce = true;
            _state = recovered.State.ApplyAll(_outbox);
            _owner?.Tell(new HistoryRecovered(_state));
        }
        else if (_failures > 0)
        {
            _log.Info("Journal of {PersistenceId} is back after {Failures} failure(s); writing {Pending} pending event(s)",
                _persistenceId, _failures, _outbox.Count);
        }
        _writerReady = true;
        _failures = 0;
        _problem = null;
        Confirm(recovered.LastSequenceNr);
        Flush();
    }

    /// <summary>Everything up to <paramref name="sequenceNr"/> is in the journal: drop it from the outbox.</summary>
    private void Confirm(long sequenceNr)
    {
        if (_confirmedSequenceNr >= 0)
        {
            var written = (int)Math.Clamp(sequenceNr - _confirmedSequenceNr, 0, _inFlight);
            for (var i = 0; i < written; i++) _outbox.RemoveFirst();
        }
        _confirmedSequenceNr = sequenceNr;
        _inFlight = 0;
        ReportBacklog();
    }

    private void Enqueue(ITunnelEvent e)
    {
        _outbox.AddLast(e);
        // Drop the oldest event not being written: the fate of those in flight is the journal's answer.
        while (_outbox.Count > _settings.MaxPendingEvents && _outbox.Count > _inFlight)
        {
            var oldest = _outbox.First!;
            for (var i = 0; i < _inFlight; i++) oldest = oldest.Next!;
            _outbox.Remove(oldest);
            _droppedSince ??= oldest.Value.At;
            _droppedEvents++;
        }
    }

    private void Flush()
    {
        if (!_writerReady || _writer is null || _inFlight > 0) return;
        if (_droppedEvents > 0)
        {
            _outbox.AddFirst(new HistoryGap(_now(), _droppedEvents, _droppedSince!.Value));
            _log.Warning("History of {PersistenceId} lost {Dropped} event(s) while the journal was down; recording the gap",
                _persistenceId, _droppedEvents);
            _droppedEvents = 0;
            _droppedSince = null;
        }
        if (_outbox.Count == 0) return;
        var batch = _outbox.Take(_settings.MaxBatch).ToList();
        _inFlight = batch.Count;
        _writer.Tell(new TunnelJournal.Write(batch));
    }

    private void OnWriterLost()
    {
        _writer = null;
        _writerReady = false;
        _failures++;
        _problem = $"journal unavailable ({_failures} failure(s) in a row)";
        if (!_recoveredOnce && _failures == 1)
            _owner?.Tell(new HistoryUnavailable("the journal could not be read at start"));
        var delay = TimeSpan.FromTicks(Math.Min(LastRetry.Ticks, FirstRetry.Ticks << Math.Min(_failures - 1, 5)));
        _log.Warning("Journal writer of {PersistenceId} stopped; {Pending} event(s) wait; retrying in {Delay}",
            _persistenceId, _outbox.Count, delay);
        Timers.StartSingleTimer(RestartWriter.Instance, RestartWriter.Instance, delay);
        ReportBacklog();
    }

    private void ReportBacklog() => _owner?.Tell(new HistoryBacklog(_outbox.Count + (int)_droppedEvents, _problem, Math.Max(0, _confirmedSequenceNr)));
}

/// <param name="SnapshotEvery">Save the tunnel's state every N events, so that recovery reads little.</param>
/// <param name="MaxPendingEvents">Events kept while the journal is down; beyond, the oldest become a recorded gap.</param>
/// <param name="LogAcknowledgements">Log each acknowledged write ("journal-ack PERSISTENCE-ID SEQ"), for diagnostics and the crash test.</param>
/// <param name="RetentionDays">Delete events older than this (after a snapshot covers them); null: keep everything.</param>
/// <param name="KeepLastEvents">Never delete the most recent events of a tunnel, however old.</param>
public sealed record HistorySettings(int SnapshotEvery = 100, int MaxPendingEvents = 10_000, int MaxBatch = 100, bool LogAcknowledgements = false,
    int? RetentionDays = null, int KeepLastEvents = 1000)
{
    public static readonly HistorySettings Default = new();
}
