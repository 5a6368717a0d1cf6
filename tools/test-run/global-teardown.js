module.exports = require('./sweep').globalTeardown;
