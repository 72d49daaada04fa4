// A deliberately vulnerable script: the security scan's fixture (never run it).
const childProcess = require("child_process");

function render(element, html) {
  element.innerHTML = html;
}

function run(command) {
  eval(command);
  return childProcess.exec("convert " + command);
}

module.exports = { render, run };
