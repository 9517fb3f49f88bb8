using Akka.Actor;
using Akka.Persistence;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Actors.Tunnels;

/// <summary>
/// The persistent half of a tunnel's history: writes the events its parent hands it, in order, and
/// rebuilds the tunnel's state on start. It dies on a journal failure (Akka.Persistence's rule); its parent,
/// <see cref="TunnelHistory"/>, keeps the events that are not yet written and starts it again.
/// </summary>
public sealed class TunnelJournal : ReceivePersistentActor
{
    public sealed record Write(IReadOnlyList<ITunnelEvent> Events);
    public sealed record Written(long LastSequenceNr);
    public sealed record Recovered(TunnelState State, long LastSequenceNr);

    private readonly HistorySettings _settings;
    private TunnelState _state = TunnelState.Initial;
    // When each event still in the journal (as far as this incarnation saw them) happened, for retention.
    private readonly Queue<(long SequenceNr, DateTimeOffset At)> _eventTimes = new();

    public TunnelJournal(string persistenceId, HistorySettings settings)
    {
        PersistenceId = persistenceId;
        _settings = settings;

        Recover<SnapshotOffer>(offer => _state = (TunnelState)offer.Snapshot);
        Recover<ITunnelEvent>(e =>
        {
            _state = _state.Apply(e);
            RememberTime(e);
        });
        Recover<RecoveryCompleted>(_ => Context.Parent.Tell(new Recovered(_state, LastSequenceNr)));

        Command<Write>(HandleWrite);
        Command<SaveSnapshotSuccess>(success =>
        {
            DeleteSnapshots(new SnapshotSelectionCriteria(success.Metadata.SequenceNr - 1));
            ApplyRetention(success.Metadata.SequenceNr);
        });
        Command<SaveSnapshotFailure>(_ => { /* the events stay; the next snapshot tries again */ });
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(_ => { /* retention tries again after the next snapshot */ });
    }

    public override string PersistenceId { get; }

    public static Props Props(string persistenceId, HistorySettings settings) =>
        Akka.Actor.Props.Create(() => new TunnelJournal(persistenceId, settings));

    private void RememberTime(ITunnelEvent e)
    {
        if (_settings.RetentionDays is not null) _eventTimes.Enqueue((LastSequenceNr, e.At));
    }

    /// <summary>
    /// Deletes events older than the retention period that a snapshot covers, keeping the most recent
    /// <see cref="HistorySettings.KeepLastEvents"/> whatever their age. Deleting "up to N" also takes older
    /// events this incarnation never saw: they are older still.
    /// </summary>
    private void ApplyRetention(long snapshotSequenceNr)
    {
        if (_settings.RetentionDays is not { } days) return;
        var oldestKept = DateTimeOffset.UtcNow - TimeSpan.FromDays(days);
        var limit = Math.Min(snapshotSequenceNr, LastSequenceNr - _settings.KeepLastEvents);
        long cutoff = 0;
        while (_eventTimes.TryPeek(out var oldest) && oldest.SequenceNr <= limit && oldest.At < oldestKept)
        {
            cutoff = oldest.SequenceNr;
            _eventTimes.Dequeue();
        }
        if (cutoff > 0) DeleteMessages(cutoff);
    }

    private void HandleWrite(Write write)
    {
        var replyTo = Sender;
        var remaining = write.Events.Count;
        var snapshotDue = false;
        PersistAll(write.Events, e =>
        {
            _state = _state.Apply(e);
            RememberTime(e);
            snapshotDue |= _settings.SnapshotEvery > 0 && LastSequenceNr % _settings.SnapshotEvery == 0;
            if (--remaining > 0) return;
            replyTo.Tell(new Written(LastSequenceNr));
            if (snapshotDue) SaveSnapshot(_state);
        });
    }
}
