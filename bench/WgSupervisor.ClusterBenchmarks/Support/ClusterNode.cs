using WgSupervisor.Testing;

namespace WgSupervisor.ClusterBenchmarks.Support;

/// <summary>How the cluster benchmarks start a node: the shared launcher, with a node's name, a directory of its own and a longer start.</summary>
public static class ClusterNode
{
    /// <summary>Writes the configuration, starts the host on 127.0.0.1, and waits until /healthz answers.</summary>
    public static async Task<SupervisorProcess> StartAsync(string name, object configuration, int adminPort, CancellationToken cancellationToken)
    {
        var config = new SupervisorConfigFile(configuration, prefix: $"wgs-clusterbench-{name}");
        return await SupervisorProcess.StartAsync(new SupervisorStart(config.FilePath)
        {
            Name = name,
            BaseUrl = new Uri($"http://127.0.0.1:{adminPort}"),
            OwnedDirectory = config.Directory,
            StartTimeout = TimeSpan.FromSeconds(90),
            RequestTimeout = TimeSpan.FromSeconds(20),
            Poll = TimeSpan.FromMilliseconds(200),
        }, cancellationToken);
    }
}
