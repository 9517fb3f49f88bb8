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

    private readonly int _snapshotEvery;
    private TunnelState _state = TunnelState.Initial;

    public TunnelJournal(string persistenceId, int snapshotEvery)
    {
        PersistenceId = persistenceId;
        _snapshotEvery = snapshotEvery;

        Recover<SnapshotOffer>(offer => _state = (TunnelState)offer.Snapshot);
        Recover<ITunnelEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => Context.Parent.Tell(new Recovered(_state, LastSequenceNr)));

        Command<Write>(HandleWrite);
        Command<SaveSnapshotSuccess>(success =>
            DeleteSnapshots(new SnapshotSelectionCriteria(success.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(_ => { /* the events stay; the next snapshot tries again */ });
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    public override string PersistenceId { get; }

    public static Props Props(string persistenceId, int snapshotEvery) =>
        Akka.Actor.Props.Create(() => new TunnelJournal(persistenceId, snapshotEvery));

    private void HandleWrite(Write write)
    {
        var replyTo = Sender;
        var remaining = write.Events.Count;
        var snapshotDue = false;
        PersistAll(write.Events, e =>
        {
            _state = _state.Apply(e);
            snapshotDue |= _snapshotEvery > 0 && LastSequenceNr % _snapshotEvery == 0;
            if (--remaining > 0) return;
            replyTo.Tell(new Written(LastSequenceNr));
            if (snapshotDue) SaveSnapshot(_state);
        });
    }
}
