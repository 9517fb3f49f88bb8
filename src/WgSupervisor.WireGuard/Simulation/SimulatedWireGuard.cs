using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.WireGuard.Simulation;

/// <param name="Namespace">The (make-believe) namespace the simulated interfaces live in.</param>
/// <param name="BreakEvery">How often one healthy tunnel breaks; null: never by itself.</param>
/// <param name="BreakAllAfter">Breaks every tunnel once, this long after start (a site-wide outage); null: never.</param>
/// <param name="RepairDuration">How long a repair action takes.</param>
/// <param name="FixProbability">The chance that one repair mends a broken tunnel.</param>
/// <param name="StateFile">Where the simulated world is kept, so that it outlives a crash of the supervisor; null: in memory only.</param>
public sealed record SimulationSettings(
    int Tunnels,
    string Namespace = "sim",
    TimeSpan? BreakEvery = null,
    TimeSpan? BreakAllAfter = null,
    TimeSpan? RepairDuration = null,
    double FixProbability = 0.5,
    string? StateFile = null,
    int Seed = 1)
{
    public TimeSpan RepairTime => RepairDuration ?? TimeSpan.FromMilliseconds(500);
}

/// <summary>
/// A simulated WireGuard: a real implementation of the adapter that the supervisor can run with (demos,
/// benchmarks, crash tests) where real tunnels would be too many or too slow. N interfaces "sim0".."simN-1",
/// one peer each, with keys derived from the seed. A healthy tunnel handshakes every two minutes and passes
/// traffic; a broken one stops. Tunnels break at random (or all at once), and a repair mends one with a
/// given probability after a given time. The world is saved to a file (atomically), so it survives a kill.
/// </summary>
public sealed class SimulatedWireGuard : IWireGuard, IDisposable
{
    private static readonly TimeSpan HandshakeEvery = TimeSpan.FromSeconds(120);
    private const int KeepaliveSeconds = 25;

    private readonly SimulationSettings _settings;
    private readonly TimeProvider _clock;
    private readonly object _lock = new();
    private readonly SimulatedTunnel[] _tunnels;
    private readonly Random _random;
    private readonly ITimer? _breaker;
    private readonly ITimer? _breakAll;
    private bool _dirty;
    private readonly ITimer? _saver;

    public SimulatedWireGuard(SimulationSettings settings, TimeProvider clock)
    {
        _settings = settings;
        _clock = clock;
        _random = new Random(settings.Seed);
        _tunnels = Load() ?? Enumerable.Range(0, settings.Tunnels).Select(i => SimulatedTunnel.Healthy(clock.GetUtcNow())).ToArray();
        if (settings.BreakEvery is { } every) _breaker = clock.CreateTimer(_ => BreakOne(), null, every, every);
        if (settings.BreakAllAfter is { } after) _breakAll = clock.CreateTimer(_ => BreakAll(), null, after, Timeout.InfiniteTimeSpan);
        if (settings.StateFile is not null) _saver = clock.CreateTimer(_ => SaveIfDirty(), null, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200));
    }

    public static string InterfaceName(int index) => $"sim{index}";

    /// <summary>The peer key of simulated tunnel <paramref name="index"/>: derived from the seed, so configs can name it.</summary>
    public static string PeerKey(int seed, int index) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes($"wgsupervisor-simulation:{seed}:{index}")));

    public int BrokenCount
    {
        get
        {
            lock (_lock) return _tunnels.Count(t => t.Broken);
        }
    }

    public Task<NamespaceSnapshot> ReadAsync(string? networkNamespace, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        if (networkNamespace != _settings.Namespace) return Task.FromResult(NamespaceSnapshot.Empty(networkNamespace, now));
        var interfaces = new Dictionary<string, InterfaceStatus>(StringComparer.Ordinal);
        lock (_lock)
        {
            for (var i = 0; i < _tunnels.Length; i++)
            {
                var tunnel = _tunnels[i] = _tunnels[i].AdvanceTo(now, HandshakeEvery);
                var peer = new PeerStatus(PeerKey(_settings.Seed, i), $"192.0.2.{i % 250 + 1}:51820", [$"10.251.{i / 250}.{i % 250 + 1}/32"],
                    tunnel.LastHandshake, tunnel.RxBytes, tunnel.TxBytes, KeepaliveSeconds);
                interfaces[InterfaceName(i)] = new InterfaceStatus(InterfaceName(i), null, 51000 + i % 10000, [peer]);
            }
        }
        return Task.FromResult(new NamespaceSnapshot(networkNamespace, now, interfaces));
    }

    public async Task<RepairActionResult> RepairAsync(RepairRung rung, TunnelSettings tunnel, CancellationToken cancellationToken)
    {
        if (!tunnel.Interface.StartsWith("sim", StringComparison.Ordinal) || !int.TryParse(tunnel.Interface[3..], out var index) ||
            index < 0 || index >= _tunnels.Length)
            return RepairActionResult.Failed($"{tunnel.Interface} is not a simulated interface");
        await Task.Delay(_settings.RepairTime, _clock, cancellationToken);
        lock (_lock)
        {
            if (!_tunnels[index].Broken) return RepairActionResult.Ok($"{rung.ToWireName()} on a working tunnel (simulated)");
            if (_random.NextDouble() >= _settings.FixProbability) return RepairActionResult.Ok($"{rung.ToWireName()} ran, the fault remains (simulated)");
            _tunnels[index] = _tunnels[index] with { Broken = false, LastHandshake = _clock.GetUtcNow() };
            _dirty = true;
            return RepairActionResult.Ok($"{rung.ToWireName()} mended it (simulated)");
        }
    }

    public bool IsDeclared(TunnelSettings tunnel) => true;

    /// <summary>Simulated peers have address endpoints (192.0.2.x): there is never a name to resolve.</summary>
    public Task<EndpointResolution> ResolveEndpointAsync(TunnelSettings tunnel, CancellationToken cancellationToken) =>
        Task.FromResult(EndpointResolution.NotApplicable);

    private void BreakOne()
    {
        lock (_lock)
        {
            var healthy = Enumerable.Range(0, _tunnels.Length).Where(i => !_tunnels[i].Broken).ToList();
            if (healthy.Count == 0) return;
            var index = healthy[_random.Next(healthy.Count)];
            _tunnels[index] = _tunnels[index] with { Broken = true };
            _dirty = true;
        }
    }

    private void BreakAll()
    {
        lock (_lock)
        {
            for (var i = 0; i < _tunnels.Length; i++) _tunnels[i] = _tunnels[i] with { Broken = true };
            _dirty = true;
        }
    }

    private SimulatedTunnel[]? Load()
    {
        if (_settings.StateFile is not { } path || !File.Exists(path)) return null;
        var saved = JsonSerializer.Deserialize<SimulatedTunnel[]>(File.ReadAllText(path));
        return saved is { Length: > 0 } && saved.Length == _settings.Tunnels ? saved : null;
    }

    /// <summary>Written to a temporary file and renamed over the old one: a kill never leaves half a world.</summary>
    private void SaveIfDirty()
    {
        string json;
        lock (_lock)
        {
            if (!_dirty) return;
            _dirty = false;
            json = JsonSerializer.Serialize(_tunnels);
        }
        var path = _settings.StateFile!;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, json);
        File.Move(temporary, path, overwrite: true);
    }

    public void Dispose()
    {
        _breaker?.Dispose();
        _breakAll?.Dispose();
        _saver?.Dispose();
        SaveIfDirty();
    }
}

/// <summary>One simulated tunnel: broken or not, its last handshake and counters.</summary>
public sealed record SimulatedTunnel(bool Broken, DateTimeOffset? LastHandshake, long RxBytes, long TxBytes, DateTimeOffset UpdatedAt)
{
    public static SimulatedTunnel Healthy(DateTimeOffset now) => new(false, now, 0, 0, now);

    /// <summary>Time passes: a healthy tunnel rekeys every two minutes and carries keepalives; a broken one only sends.</summary>
    public SimulatedTunnel AdvanceTo(DateTimeOffset now, TimeSpan handshakeEvery)
    {
        var elapsed = Math.Max(0, (now - UpdatedAt).TotalSeconds);
        var sent = TxBytes + (long)(elapsed * 10);
        if (Broken) return this with { TxBytes = sent, UpdatedAt = now };
        var handshake = LastHandshake is { } last && now - last < handshakeEvery ? last : now;
        return new SimulatedTunnel(false, handshake, RxBytes + (long)(elapsed * 10), sent, now);
    }
}
