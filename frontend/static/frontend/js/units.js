// Costs as people read them, in the unit of the meter that measured them: "41.2 M instructions",
// "12.3 ms". Mirrors arena/units.py (tests/frontend/test_units_js.py runs both on the same values).
(function (root) {
  "use strict";

  var COUNT_UNITS = { instructions: true, Ir: true }; // valgrind's "Ir" are instructions executed
  var PREFIXES = [
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  // Ties go away from zero on the float's exact value; arena/units.py rounds the same way.
  function rounded(value) {
    return Number(value.toPrecision(3));
  }
  function significant(value) {
    value = rounded(value);
    if (value === 0) return "0";
    return value.toFixed(Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value)))));
  }
  function costText(value, unit) {
    if (value === null || value === undefined || !isFinite(value)) return "—";
    if (unit === "ms") {
      return Math.abs(rounded(value)) >= 1000 ? significant(value / 1000) + " s" : significant(value) + " ms";
    }
    if (COUNT_UNITS[unit]) {
      for (var i = 0; i < PREFIXES.length; i++) {
        if (Math.abs(rounded(value)) >= PREFIXES[i][0]) {
          return significant(value / PREFIXES[i][0]) + " " + PREFIXES[i][1] + " instructions";
        }
      }
      return significant(value) + " instructions";
    }
    return (significant(value) + " " + (unit || "")).trim();
  }

  var api = { costText: costText };
  if (typeof module === "object" && module.exports) {
    module.exports = api; // node, for the parity test
  } else {
    root.CodeArenaUnits = api;
  }
})(this);
