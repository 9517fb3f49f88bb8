using System.Diagnostics;
using System.Globalization;
using System.Net;
using WgSupervisor.Lab;
using WgSupervisor.WireGuard.Processes;

namespace WgSupervisor.Integration.Tests.Support;

/// <summary>
/// Three (or more) gateways on a LAN, for cluster tests: one network namespace per node with its own address
/// (10.250.200.N/24), all on a bridge in a "lan" namespace, and the host namespace on the same bridge at
/// 10.250.200.254 so that the test reaches every node's admin API and the nodes reach the tests' PostgreSQL
/// (through a forwarder). Node processes run inside their namespaces and are ended by PID. Disposing removes
/// the namespaces, the links and the forwarder, also after a failure.
/// </summary>
public sealed class ClusterLab : IAsyncDisposable
{
    public const string HostAddress = "10.250.200.254";
    private static readonly LabCommands Commands = new(new ProcessRunner());
    private readonly string _runId = "c" + Guid.NewGuid().ToString("N")[..4];
    private readonly List<string> _namespaces = [];
    private readonly List<Process> _processes = [];
    private readonly List<int> _processIds = [];
    private TcpForwarder? _postgres;
    private bool _disposed;

    public string LanNamespace => $"wgs-{_runId}-lan";
    public string NodeNamespace(int node) => $"wgs-{_runId}-n{node}";
    public static string NodeAddress(int node) => $"10.250.200.{node}";
    public string HostLink => $"{_runId}h";

    public static async Task<ClusterLab> CreateAsync(int nodes)
    {
        var lab = new ClusterLab();
        try
        {
            await lab.BuildAsync(nodes);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync(int nodes)
    {
        await AddNamespaceAsync(LanNamespace);
        await Run("ip", "-n", LanNamespace, "link", "add", "br0", "type", "bridge");
        await Run("ip", "-n", LanNamespace, "link", "set", "br0", "up");
        for (var node = 1; node <= nodes; node++)
        {
            var ns = NodeNamespace(node);
            await AddNamespaceAsync(ns);
            await Run("ip", "link", "add", $"{_runId}n{node}", "netns", ns, "type", "veth", "peer", "name", $"{_runId}b{node}", "netns", LanNamespace);
            await Run("ip", "-n", ns, "link", "set", $"{_runId}n{node}", "name", "eth0");
            await Run("ip", "-n", ns, "addr", "add", $"{NodeAddress(node)}/24", "dev", "eth0");
            await Run("ip", "-n", ns, "link", "set", "eth0", "up");
            await Run("ip", "-n", LanNamespace, "link", "set", $"{_runId}b{node}", "master", "br0");
            await Run("ip", "-n", LanNamespace, "link", "set", $"{_runId}b{node}", "up");
        }
        await Run("ip", "link", "add", HostLink, "type", "veth", "peer", "name", $"{_runId}bh", "netns", LanNamespace);
        await Run("ip", "addr", "add", $"{HostAddress}/24", "dev", HostLink);
        await Run("ip", "link", "set", HostLink, "up");
        await Run("ip", "-n", LanNamespace, "link", "set", $"{_runId}bh", "master", "br0");
        await Run("ip", "-n", LanNamespace, "link", "set", $"{_runId}bh", "up");
    }

    /// <summary>The tests' PostgreSQL, reachable from the nodes at 10.250.200.254:5432; returns their connection string.</summary>
    public string ExposePostgres(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        _postgres = new TcpForwarder(new IPEndPoint(IPAddress.Parse(HostAddress), builder.Port),
            new IPEndPoint(IPAddress.Parse(builder.Host ?? "127.0.0.1"), builder.Port));
        builder.Host = HostAddress;
        return builder.ConnectionString;
    }

    /// <summary>Starts the supervisor in node <paramref name="node"/>'s namespace.</summary>
    public Process StartNode(int node, string configPath, Action<string> output)
    {
        var process = OwnProcess.Start(SupervisorProcess.StartInfo(new SupervisorStart(configPath) { NetworkNamespace = NodeNamespace(node) }), output);
        _processes.Add(process);
        _processIds.Add(process.Id);
        return process;
    }

    /// <summary>Cuts node <paramref name="node"/> off from the others (its admin API stays reachable from the host).</summary>
    public async Task PartitionAsync(int node, IEnumerable<int> from)
    {
        var ns = NodeNamespace(node);
        var peers = "{ " + string.Join(", ", from.Select(NodeAddress)) + " }";
        await Run("ip", "netns", "exec", ns, "nft", "add", "table", "inet", "partition");
        await Run("ip", "netns", "exec", ns, "nft", "add", "chain", "inet", "partition", "in", "{ type filter hook input priority 0 ; }");
        await Run("ip", "netns", "exec", ns, "nft", "add", "chain", "inet", "partition", "out", "{ type filter hook output priority 0 ; }");
        await Run("ip", "netns", "exec", ns, "nft", "add", "rule", "inet", "partition", "in", "ip", "saddr", peers, "drop");
        await Run("ip", "netns", "exec", ns, "nft", "add", "rule", "inet", "partition", "out", "ip", "daddr", peers, "drop");
    }

    public Task HealAsync(int node) => Run("ip", "netns", "exec", NodeNamespace(node), "nft", "delete", "table", "inet", "partition");

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var process in _processes.Where(p => !p.HasExited))
        {
            try
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
            }
        }
        foreach (var process in _processes) process.Dispose();
        if (_postgres is not null) await _postgres.DisposeAsync();
        await TryRun("ip", "link", "delete", HostLink);
        foreach (var ns in Enumerable.Reverse(_namespaces)) await TryRun("ip", "netns", "delete", ns);
    }

    /// <summary>What of this lab is still on the machine.</summary>
    public IReadOnlyList<string> Leftovers()
    {
        var present = Directory.Exists("/var/run/netns") ? Directory.GetFiles("/var/run/netns").Select(Path.GetFileName).ToHashSet() : [];
        var left = _namespaces.Where(present.Contains).Select(ns => $"namespace {ns}").ToList();
        left.AddRange(_processIds.Where(pid => File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("wgsupervisor.dll"))
            .Select(pid => $"process {pid.ToString(CultureInfo.InvariantCulture)}"));
        if (Directory.Exists($"/sys/class/net/{HostLink}")) left.Add($"link {HostLink}");
        return left;
    }

    private async Task AddNamespaceAsync(string name)
    {
        await Run("ip", "netns", "add", name);
        _namespaces.Add(name);
        await Run("ip", "-n", name, "link", "set", "lo", "up");
    }

    private static Task Run(string program, params string[] arguments) => Commands.RunAsync(program, arguments);

    private static Task TryRun(string program, params string[] arguments) => Commands.TryAsync(null, program, arguments);
}
