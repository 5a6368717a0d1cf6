module.exports = require('./sweep').globalSetup;
