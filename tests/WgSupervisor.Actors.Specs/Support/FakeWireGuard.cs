using WgSupervisor.Domain.Diagnosing;
using Akka.Actor;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Actors.Specs.Support;

/// <summary>
/// A WireGuard whose answers the spec controls. Every repair and every read is one call with its own
/// completion; the spec completes it (or lets it hang). Calls are told to <see cref="Calls"/> (a probe) as
/// they happen, and the fake counts how many run at once.
/// </summary>
public sealed class FakeWireGuard : IWireGuard
{
    private readonly object _gate = new();
    private readonly List<RepairCall> _repairs = [];
    private readonly List<ReadCall> _reads = [];
    private int _repairsInFlight;
    private int _readsInFlight;

    /// <summary>Receives every <see cref="RepairCall"/> and <see cref="ReadCall"/> as it is made.</summary>
    public IActorRef Calls { get; set; } = ActorRefs.Nobody;

    /// <summary>
    /// Runs inside each repair call, after it is recorded: it may complete the call at once (then the actor's
    /// continuation runs before it handles its next message), fault it, throw (a synchronous failure of the
    /// port), or leave it to the spec (the default).
    /// </summary>
    public Action<RepairCall> OnRepair { get; set; } = _ => { };

    /// <summary>Runs inside each read call, like <see cref="OnRepair"/>.</summary>
    public Action<ReadCall> OnRead { get; set; } = _ => { };

    public int MaxRepairsInFlight { get; private set; }
    public int MaxReadsInFlight { get; private set; }

    public int RepairsInFlight
    {
        get { lock (_gate) return _repairsInFlight; }
    }

    public IReadOnlyList<RepairCall> Repairs
    {
        get { lock (_gate) return _repairs.ToList(); }
    }

    public IReadOnlyList<ReadCall> Reads
    {
        get { lock (_gate) return _reads.ToList(); }
    }

    /// <summary>What the tunnel's endpoint name resolves to now (default: nothing to resolve).</summary>
    public EndpointResolution Resolution { get; set; } = EndpointResolution.NotApplicable;

    public Task<EndpointResolution> ResolveEndpointAsync(TunnelSettings tunnel, CancellationToken cancellationToken) => Task.FromResult(Resolution);

    public Task<RepairActionResult> RepairAsync(RepairRung rung, TunnelSettings tunnel, CancellationToken cancellationToken)
    {
        RepairCall call;
        lock (_gate)
        {
            _repairsInFlight++;
            MaxRepairsInFlight = Math.Max(MaxRepairsInFlight, _repairsInFlight);
            call = new RepairCall(this, _repairs.Count + 1, rung, tunnel.Name, cancellationToken);
            _repairs.Add(call);
        }
        Calls.Tell(call);
        try
        {
            OnRepair(call);
        }
        catch
        {
            RepairEnded();
            throw;
        }
        return call.Task;
    }

    public Task<NamespaceSnapshot> ReadAsync(string? networkNamespace, CancellationToken cancellationToken)
    {
        ReadCall call;
        lock (_gate)
        {
            _readsInFlight++;
            MaxReadsInFlight = Math.Max(MaxReadsInFlight, _readsInFlight);
            call = new ReadCall(this, _reads.Count + 1, networkNamespace);
            _reads.Add(call);
        }
        Calls.Tell(call);
        try
        {
            OnRead(call);
        }
        catch
        {
            ReadEnded();
            throw;
        }
        return call.Task;
    }

    private void RepairEnded()
    {
        lock (_gate) _repairsInFlight--;
    }

    private void ReadEnded()
    {
        lock (_gate) _readsInFlight--;
    }

    public sealed class RepairCall
    {
        private readonly FakeWireGuard _owner;
        private readonly TaskCompletionSource<RepairActionResult> _completion = new();

        internal RepairCall(FakeWireGuard owner, int number, RepairRung rung, string tunnel, CancellationToken token)
        {
            _owner = owner;
            Number = number;
            Rung = rung;
            Tunnel = tunnel;
            Token = token;
        }

        public int Number { get; }
        public RepairRung Rung { get; }
        public string Tunnel { get; }
        public CancellationToken Token { get; }
        public Task<RepairActionResult> Task => _completion.Task;
        public bool IsCompleted => _completion.Task.IsCompleted;

        public void Complete(RepairActionResult result)
        {
            if (_completion.TrySetResult(result)) _owner.RepairEnded();
        }

        public void Succeed(string detail = "wg-quick down ok, up ok") => Complete(RepairActionResult.Ok(detail));
        public void Fail(string detail = "wg-quick up failed (exit code 1)") => Complete(RepairActionResult.Failed(detail));

        public void Fault(Exception error)
        {
            if (_completion.TrySetException(error)) _owner.RepairEnded();
        }

        public override string ToString() => $"repair #{Number} {Rung.ToWireName()} of {Tunnel}";
    }

    public sealed class ReadCall
    {
        private readonly FakeWireGuard _owner;
        private readonly TaskCompletionSource<NamespaceSnapshot> _completion = new();

        internal ReadCall(FakeWireGuard owner, int number, string? ns)
        {
            _owner = owner;
            Number = number;
            Namespace = ns;
        }

        public int Number { get; }
        public string? Namespace { get; }
        public Task<NamespaceSnapshot> Task => _completion.Task;

        public void Complete(NamespaceSnapshot snapshot)
        {
            if (_completion.TrySetResult(snapshot)) _owner.ReadEnded();
        }

        public void Fault(Exception error)
        {
            if (_completion.TrySetException(error)) _owner.ReadEnded();
        }

        public override string ToString() => $"read #{Number} of {Namespace ?? "host namespace"}";
    }
}
