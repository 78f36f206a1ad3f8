using System.Data.Common;

namespace TechLink.Delivery.Model;

/// <summary>Parameters for the engine's hand-written statements, on either provider.</summary>
internal static class CommandParameters
{
    public static DbParameter Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        // Named as written in the SQL: Microsoft.Data.Sqlite otherwise tries each prefix (:, @, $) on every execution.
        parameter.ParameterName = "@" + name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }
}
