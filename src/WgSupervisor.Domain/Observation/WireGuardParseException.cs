namespace WgSupervisor.Domain.Observation;

/// <summary>
/// Malformed WireGuard output. The message names the line and the field, never the raw text: a line of
/// `wg show all dump` can hold a private key.
/// </summary>
public sealed class WireGuardParseException(string source, int lineNumber, string problem)
    : Exception($"{source}, line {lineNumber}: {problem}")
{
    public string InputName { get; } = source;
    public int LineNumber { get; } = lineNumber;
    public string Problem { get; } = problem;
}
