using System.Data.Common;

namespace WgSupervisor.Host.Configuration;

public static class ConnectionStrings
{
    private static readonly string[] SecretKeys = ["password", "pwd"];

    /// <summary>The connection string with its password replaced, for showing and logging.</summary>
    public static string Redact(string connectionString)
    {
        try
        {
            var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
            foreach (var key in builder.Keys.Cast<string>().Where(k => SecretKeys.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList())
                builder[key] = "(redacted)";
            return builder.ConnectionString;
        }
        catch (ArgumentException)
        {
            return "(unreadable connection string, not shown)";
        }
    }
}
