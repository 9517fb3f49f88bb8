using System.Globalization;
using WgSupervisor.WireGuard.Processes;

namespace WgSupervisor.Benchmarks.Support;

/// <summary>
/// The comparison arm: the logic of wireguard-tools' contrib/reresolve-dns/reresolve-dns.sh, run every 30 s
/// as its systemd timer would. For each [Peer] of the conf that has PublicKey and Endpoint: if
/// `wg show IFACE latest-handshakes` gives that peer a handshake older than 135 s (0 = never counts as old),
/// `wg set IFACE peer KEY endpoint HOST:PORT` — which makes WireGuard resolve the name again. Runs in the
/// gateway's network namespace through `ip netns exec` (which also mounts /etc/netns/NS/hosts).
/// Reads only the [Peer] PublicKey and Endpoint lines of the conf; never the private key.
/// </summary>
public sealed class ReresolveWatchdog : IAsyncDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(30);
    public const int HandshakeAgeSeconds = 135;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    private readonly IProcessRunner _runner;
    private readonly string _namespace;
    private readonly IReadOnlyList<(string Interface, string ConfPath)> _confs;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _resets;

    public ReresolveWatchdog(IProcessRunner runner, string networkNamespace, IReadOnlyList<(string Interface, string ConfPath)> confs)
    {
        _runner = runner;
        _namespace = networkNamespace;
        _confs = confs;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>How many `wg set … endpoint` it has issued.</summary>
    public int EndpointResets => Volatile.Read(ref _resets);

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(Period);
        // Bounded: a day of 30-second ticks at most; a benchmark cell stops it long before.
        for (var tick = 0; tick < 2880; tick++)
        {
            try
            {
                if (!await timer.WaitForNextTickAsync(_stop.Token)) return;
                foreach (var (iface, conf) in _confs) await RunOnceAsync(iface, conf, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One run of reresolve-dns.sh for one conf.</summary>
    public async Task RunOnceAsync(string interfaceName, string confPath, CancellationToken cancellationToken)
    {
        foreach (var (publicKey, endpoint) in PeersWithEndpoints(confPath))
        {
            var (program, arguments) = NetworkNamespace.Wrap(_namespace, "wg", "show", interfaceName, "latest-handshakes");
            var shown = await _runner.RunAsync(program, arguments, CommandTimeout, cancellationToken);
            if (!shown.Succeeded) continue; // the interface is gone: the script's regex does not match, it returns
            var handshake = shown.StandardOutput.Split('\n')
                .Select(line => line.Split('\t'))
                .Where(fields => fields.Length == 2 && fields[0] == publicKey)
                .Select(fields => long.TryParse(fields[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : (long?)null)
                .FirstOrDefault();
            if (handshake is null) continue;
            if (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - handshake.Value <= HandshakeAgeSeconds) continue;
            (program, arguments) = NetworkNamespace.Wrap(_namespace, "wg", "set", interfaceName, "peer", publicKey, "endpoint", endpoint);
            await _runner.RunAsync(program, arguments, CommandTimeout, cancellationToken);
            Interlocked.Increment(ref _resets);
        }
    }

    /// <summary>The script's parser: comments stripped, keys case-insensitive, values trimmed, [Peer] sections only.</summary>
    public static IReadOnlyList<(string PublicKey, string Endpoint)> PeersWithEndpoints(string confPath)
    {
        var peers = new List<(string, string)>();
        var inPeer = false;
        string? publicKey = null, endpoint = null;
        void Flush()
        {
            if (inPeer && !string.IsNullOrEmpty(publicKey) && !string.IsNullOrEmpty(endpoint)) peers.Add((publicKey, endpoint));
            inPeer = false;
            publicKey = endpoint = null;
        }
        foreach (var raw in File.ReadLines(confPath).Take(100_000))
        {
            var stripped = raw.Split('#')[0];
            var separator = stripped.IndexOf('=');
            var key = (separator < 0 ? stripped : stripped[..separator]).Trim();
            if (key.StartsWith('['))
            {
                Flush();
                inPeer = key.Equals("[Peer]", StringComparison.OrdinalIgnoreCase);
                continue;
            }
            if (!inPeer || separator < 0) continue;
            var value = stripped[(separator + 1)..].Trim();
            if (key.Equals("PublicKey", StringComparison.OrdinalIgnoreCase)) publicKey = value;
            else if (key.Equals("Endpoint", StringComparison.OrdinalIgnoreCase)) endpoint = value;
        }
        Flush();
        return peers;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            // A wg command still running is bounded by its own time-out; we do not wait for it here.
        }
        _stop.Dispose();
    }
}
