using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using WgSupervisor.Host.Configuration;

namespace WgSupervisor.Host.Hosting;

/// <summary>
/// Can the journal's database be reached right now? A round trip of SELECT 1 on a fresh connection. A
/// journal that is down degrades the supervisor (history waits in memory) but does not stop supervision.
/// </summary>
public sealed class JournalHealthCheck(JournalSettings config, string connectionString) : IHealthCheck
{
    public const string Name = "journal";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Timeout);
        try
        {
            await using var connection = Open();
            await connection.OpenAsync(limit.Token);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(limit.Token);
            return HealthCheckResult.Healthy($"{config.Provider} reachable");
        }
        catch (Exception e) when (e is DbException or OperationCanceledException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            var why = e is OperationCanceledException ? $"no answer within {Timeout.TotalSeconds:0} s" : e.Message;
            return new HealthCheckResult(context.Registration.FailureStatus, $"{config.Provider} unreachable: {why}");
        }
    }

    private DbConnection Open() => config.Provider == JournalProvider.Sqlite
        ? new SqliteConnection(connectionString)
        : new NpgsqlConnection(connectionString);
}
